CREATE TABLE `user_access_hashes` (
	`account_id` integer NOT NULL,
	`user_id` integer NOT NULL,
	`access_hash` text NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`account_id`, `user_id`),
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `user_access_hashes_user_idx` ON `user_access_hashes` (`user_id`);--> statement-breakpoint
ALTER TABLE `chat_members` ADD `via` text;--> statement-breakpoint
ALTER TABLE `chat_members` ADD `role` text;--> statement-breakpoint
ALTER TABLE `chat_members` ADD `joined_at` integer;--> statement-breakpoint
ALTER TABLE `users` ADD `phone` text;--> statement-breakpoint
ALTER TABLE `users` ADD `status` text;--> statement-breakpoint
ALTER TABLE `users` ADD `was_online_at` integer;--> statement-breakpoint
ALTER TABLE `users` ADD `status_at` integer;--> statement-breakpoint
ALTER TABLE `users` ADD `is_verified` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `is_scam` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `is_fake` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `is_deleted` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `lang_code` text;