// The official openai npm package against the HALN answer API, as a Node portal backend uses it.
// Usage: node contract.mjs <api url> <client key> <answers per minute>. Prints one JSON object of results;
// tests/api/test_node_client.py asserts on them.
import OpenAI from 'openai';

const [api, key, perMinute] = process.argv.slice(2);
const run = Date.now().toString(36);
const client = (user, options = {}) => new OpenAI({
  baseURL: `${api}/v1`, apiKey: key, maxRetries: 0, defaultHeaders: {'X-HALN-User': `node-${run}-${user}`},
  ...options,
});
const ask = (content) => [{role: 'user', content}];
const QUESTION = 'What is the Lambeth GP Food Co-op?';

async function failure(promise) {
  try {
    await promise;
    return null;
  } catch (e) {
    return {
      name: e.constructor.name, status: e.status ?? null, code: e.code ?? null, type: e.type ?? null,
      param: e.param ?? null, message: e.message, requestId: e.request_id ?? e.requestID ?? null,
      retryAfter: e.headers?.get?.('retry-after') ?? null,
    };
  }
}

const out = {};

// 1. Errors the SDK can read.
out.denied = await failure(new OpenAI({baseURL: `${api}/v1`, apiKey: 'wrong', maxRetries: 0}).models.list());
out.invalid = await failure(client('e').chat.completions.create({
  model: 'haln-assistant', messages: [{role: 'assistant', content: 'hi'}]}));
out.unknownModel = await failure(client('e').chat.completions.create({model: 'gpt-4o', messages: ask(QUESTION)}));

// 3. An honest chat endpoint.
out.n = await failure(client('c').chat.completions.create({model: 'haln-assistant', messages: ask(QUESTION), n: 3}));
out.tools = await failure(client('c').chat.completions.create({
  model: 'haln-assistant', messages: ask(QUESTION), tool_choice: 'required',
  tools: [{type: 'function', function: {name: 'f', parameters: {type: 'object'}}}]}));
out.responseFormat = await failure(client('c').chat.completions.create({
  model: 'haln-assistant', messages: ask(QUESTION), response_format: {type: 'json_object'}}));
const cut = await client('c').chat.completions.create({model: 'haln-assistant', messages: ask(QUESTION), max_tokens: 5});
out.cut = {finish: cut.choices[0].finish_reason, content: cut.choices[0].message.content,
           completionTokens: cut.usage.completion_tokens};
const stream = await client('s').chat.completions.create({
  model: 'haln-assistant', messages: ask([{type: 'text', text: QUESTION}]), stream: true,
  stream_options: {include_usage: true}});
const pieces = [];
let usage = null, last = null;
for await (const chunk of stream) {
  if (chunk.choices.length) {
    pieces.push(chunk.choices[0].delta.content ?? '');
    if (chunk.choices[0].finish_reason) last = chunk;
  }
  if (chunk.usage) usage = chunk.usage;
}
out.stream = {text: pieces.join(''), usage, finish: last?.choices[0].finish_reason,
              citations: last?.citations?.length ?? 0, answerId: last?.answer_id, id: last?.id};
const system = await client('s').chat.completions.create({model: 'haln-assistant', messages: [
  {role: 'system', content: 'housing association in Wales'}, {role: 'user', content: 'Where do I start?'}]});
out.system = {refused: system.refused, asker: system.asker};

// 4. Limits per end user: the body's `user` names the bucket.
const limited = new OpenAI({baseURL: `${api}/v1`, apiKey: key, maxRetries: 0});
const statuses = [];
for (let i = 0; i <= Number(perMinute); i++) {
  const error = await failure(limited.chat.completions.create({
    model: 'haln-assistant', messages: ask(QUESTION), user: `node-${run}-limited`}));
  statuses.push(error ? error.status : 200);
  if (error) out.limited = error;
}
out.statuses = statuses;

// 5. Feedback takes the chat id.
const feedback = await fetch(`${api}/v1/feedback`, {
  method: 'POST', headers: {'Authorization': `Bearer ${key}`, 'Content-Type': 'application/json'},
  body: JSON.stringify({answer_id: out.stream.id, rating: 'up'})});
out.feedback = {status: feedback.status, body: await feedback.json()};

// 6. A long conversation is trimmed, not refused.
const history = [];
for (let i = 0; i < 25; i++) history.push({role: 'user', content: `Part ${i}: tell me about the co-op.`},
                                          {role: 'assistant', content: `It grows food, part ${i} [1].`});
const long = await client('h').chat.completions.create({
  model: 'haln-assistant', messages: [...history, {role: 'user', content: 'Who buys the produce?'}]});
out.long = {trimmed: long.history_trimmed, content: long.choices[0].message.content};

console.log(JSON.stringify(out));
