CREATE TABLE `handled_updates` (
	`update_id` integer PRIMARY KEY NOT NULL,
	`chat_id` integer,
	`action` text,
	`received_at` integer NOT NULL,
	`finished_at` integer
);
--> statement-breakpoint
CREATE INDEX `handled_updates_received_idx` ON `handled_updates` (`received_at`);