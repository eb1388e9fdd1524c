/**
 * Why an account @SpamBot limited is out of rotation, in the words /status and the alerts show
 * (README.md, "Account checks"): "limited by @SpamBot until 2026-12-15" or "limited by @SpamBot with no end date".
 */
export function spamReason(until: number | null): string {
  return until === null ? 'limited by @SpamBot with no end date' : `limited by @SpamBot until ${new Date(until).toISOString().slice(0, 10)}`;
}
