/**
 * Kafka's topic-name rule as a pure function, shared by the engine's callers and the extension's input boxes
 * (validation as you type). A valid name is 1..249 characters of [a-zA-Z0-9._-] and is not "." or "..".
 * Returns undefined for a valid name, otherwise a sentence naming the rule that is broken.
 */

export const MAX_TOPIC_NAME_LENGTH = 249;

export function topicNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'A topic name cannot be empty.';
  if (name === '.' || name === '..') return `A topic cannot be named "${name}".`;
  if (name.length > MAX_TOPIC_NAME_LENGTH) {
    return `A topic name can be at most ${MAX_TOPIC_NAME_LENGTH} characters long (this one has ${name.length}).`;
  }
  const bad = /[^a-zA-Z0-9._-]/.exec(name);
  if (bad) {
    const ch = bad[0] === ' ' ? 'a space' : `"${bad[0]}"`;
    return `A topic name may contain only letters, digits, ".", "_" and "-"; it contains ${ch}.`;
  }
  return undefined;
}
