CREATE TABLE `account_leases` (
	`account_id` integer PRIMARY KEY NOT NULL,
	`worker_id` text,
	`epoch` integer DEFAULT 0 NOT NULL,
	`acquired_at` integer,
	`expires_at` integer NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `account_leases_worker_idx` ON `account_leases` (`worker_id`);--> statement-breakpoint
CREATE TABLE `scrape_slots` (
	`slot` integer PRIMARY KEY NOT NULL,
	`operation_id` integer NOT NULL,
	`worker_id` text NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `workers` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`role` text NOT NULL,
	`host` text NOT NULL,
	`pid` integer NOT NULL,
	`started_at` integer NOT NULL,
	`heartbeat_at` integer NOT NULL,
	`stopping_at` integer
);
--> statement-breakpoint
CREATE INDEX `workers_heartbeat_idx` ON `workers` (`heartbeat_at`);