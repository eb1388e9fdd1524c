CREATE TABLE `account_budgets` (
	`account_id` integer NOT NULL,
	`action` text NOT NULL,
	`window_start` integer NOT NULL,
	`used` integer DEFAULT 0 NOT NULL,
	`halved_until` integer,
	PRIMARY KEY(`account_id`, `action`),
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
ALTER TABLE `accounts` ADD `proxy_enc` text;--> statement-breakpoint
ALTER TABLE `accounts` ADD `proxy_host` text;--> statement-breakpoint
ALTER TABLE `accounts` ADD `api_id` integer;--> statement-breakpoint
ALTER TABLE `accounts` ADD `api_hash_enc` text;--> statement-breakpoint
ALTER TABLE `accounts` ADD `device` text;--> statement-breakpoint
ALTER TABLE `accounts` ADD `spam_verdict` text;--> statement-breakpoint
ALTER TABLE `accounts` ADD `spam_until` integer;--> statement-breakpoint
ALTER TABLE `accounts` ADD `checked_at` integer;--> statement-breakpoint
ALTER TABLE `accounts` ADD `next_check_at` integer;