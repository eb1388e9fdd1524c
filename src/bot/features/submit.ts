import type { SubmitRequest } from '../../engine/types.js';
import type { BotContext } from '../context.js';
import type { PanelEngine } from '../ports.js';
import { refuse } from '../reply.js';

/**
 * Submits an operation reported in the current chat. The progress reporter sends its one message, so
 * success needs no reply here; a refusal is answered in plain words.
 */
export async function submitFromChat(ctx: BotContext, engine: Pick<PanelEngine, 'submit'>, request: Omit<SubmitRequest, 'requestedBy' | 'reportChatId'>): Promise<number | undefined> {
  const result = await engine.submit({ ...request, requestedBy: ctx.from?.id ?? null, reportChatId: ctx.chat?.id ?? null });
  if (result.kind === 'refused') {
    await refuse(ctx, result.message);
    return undefined;
  }
  ctx.setOutcome(`submitted #${result.operation.id}`);
  return result.operation.id;
}
