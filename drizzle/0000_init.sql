CREATE TABLE `accounts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`phone` text NOT NULL,
	`label` text,
	`session_enc` text,
	`proxy` text,
	`telegram_user_id` integer,
	`username` text,
	`first_name` text,
	`state` text DEFAULT 'disconnected' NOT NULL,
	`paused` integer DEFAULT false NOT NULL,
	`health` text DEFAULT 'ok' NOT NULL,
	`cooldown_until` integer,
	`state_reason` text,
	`last_error` text,
	`ops_total` integer DEFAULT 0 NOT NULL,
	`ops_failed` integer DEFAULT 0 NOT NULL,
	`flood_waits` integer DEFAULT 0 NOT NULL,
	`last_health_at` integer,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `accounts_phone_uq` ON `accounts` (`phone`);--> statement-breakpoint
CREATE TABLE `audit_log` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` integer,
	`chat_id` integer,
	`action` text NOT NULL,
	`args` text,
	`outcome` text,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `audit_log_at_idx` ON `audit_log` (`at`);--> statement-breakpoint
CREATE TABLE `chat_members` (
	`chat_id` integer NOT NULL,
	`user_id` integer NOT NULL,
	`source` text NOT NULL,
	`first_seen_at` integer NOT NULL,
	`last_seen_at` integer NOT NULL,
	PRIMARY KEY(`chat_id`, `user_id`),
	FOREIGN KEY (`chat_id`) REFERENCES `chats`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `chats` (
	`id` integer PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`username` text,
	`title` text,
	`invite_hash` text,
	`members_count` integer,
	`members_hidden` integer,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `chats_username_idx` ON `chats` (`username`);--> statement-breakpoint
CREATE TABLE `flood_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`account_id` integer,
	`operation_id` integer,
	`method` text,
	`seconds` integer NOT NULL,
	`action` text NOT NULL,
	`at` integer NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `flood_events_at_idx` ON `flood_events` (`at`);--> statement-breakpoint
CREATE TABLE `kv` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL,
	`expires_at` integer,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `monitor_hits` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`monitor_id` integer NOT NULL,
	`chat_id` integer NOT NULL,
	`message_id` integer NOT NULL,
	`sender_id` integer,
	`text` text NOT NULL,
	`keyword` text NOT NULL,
	`at` integer NOT NULL,
	FOREIGN KEY (`monitor_id`) REFERENCES `monitors`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `monitor_hits_uq` ON `monitor_hits` (`monitor_id`,`chat_id`,`message_id`);--> statement-breakpoint
CREATE TABLE `monitors` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`target` text NOT NULL,
	`chat_id` integer,
	`account_id` integer,
	`keywords` text NOT NULL,
	`active` integer DEFAULT true NOT NULL,
	`created_by` integer,
	`report_chat_id` integer,
	`operation_id` integer,
	`hits` integer DEFAULT 0 NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`stopped_at` integer,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `monitors_active_idx` ON `monitors` (`active`);--> statement-breakpoint
CREATE TABLE `operation_stats` (
	`kind` text PRIMARY KEY NOT NULL,
	`total` integer DEFAULT 0 NOT NULL,
	`succeeded` integer DEFAULT 0 NOT NULL,
	`failed` integer DEFAULT 0 NOT NULL,
	`cancelled` integer DEFAULT 0 NOT NULL,
	`retries` integer DEFAULT 0 NOT NULL,
	`flood_waits` integer DEFAULT 0 NOT NULL,
	`duration_ms_total` integer DEFAULT 0 NOT NULL,
	`duration_ms_max` integer DEFAULT 0 NOT NULL,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `operations` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`params` text NOT NULL,
	`pinned_account_id` integer,
	`assigned_account_id` integer,
	`status` text DEFAULT 'queued' NOT NULL,
	`priority` integer NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`checkpoint` text,
	`progress_done` integer DEFAULT 0 NOT NULL,
	`progress_total` integer,
	`result` text,
	`error_kind` text,
	`error_message` text,
	`requested_by` integer,
	`report_chat_id` integer,
	`report_message_id` integer,
	`parent_id` integer,
	`not_before` integer,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`started_at` integer,
	`finished_at` integer,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`pinned_account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`assigned_account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `operations_status_idx` ON `operations` (`status`,`priority`,`id`);--> statement-breakpoint
CREATE INDEX `operations_parent_idx` ON `operations` (`parent_id`);--> statement-breakpoint
CREATE INDEX `operations_created_idx` ON `operations` (`created_at`);--> statement-breakpoint
CREATE TABLE `schedules` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`cron` text NOT NULL,
	`chat_id` integer NOT NULL,
	`created_by` integer,
	`active` integer DEFAULT true NOT NULL,
	`last_run_at` integer,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `session_leases` (
	`account_id` integer PRIMARY KEY NOT NULL,
	`holder` text NOT NULL,
	`heartbeat_at` integer NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `users` (
	`id` integer PRIMARY KEY NOT NULL,
	`username` text,
	`first_name` text,
	`last_name` text,
	`is_bot` integer DEFAULT false NOT NULL,
	`is_premium` integer DEFAULT false NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL
);
