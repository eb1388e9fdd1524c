/** The panel's conversations, by the id features enter them with. */
export const CONVERSATIONS = {
  /** /addaccount without a session string: phone → code → two-step password. */
  addAccount: 'addaccount',
  /** /scrape without arguments: target → limit → join. */
  scrape: 'scrape',
  /** /schedule add without a cron expression: cron → chat. */
  scheduleAdd: 'schedule-add',
} as const;
