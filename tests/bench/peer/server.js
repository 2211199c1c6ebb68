'use strict';
// The seeds' intent API as a Node.js + Express + Redis service, for running
// side by side with intentd (tests/bench/peer_compare.sh). One process: the
// Express app accepts intents into Redis (a hash per intent, a set per user
// and per status, a list as the work queue) and a worker in the same process
// takes them from the queue and moves each one pending -> verified ->
// executing -> completed, one Redis transaction per step. No chain: the
// "execution" is a price table and a made-up transaction hash.
//
//   REDIS_URL=redis://127.0.0.1:6379 PORT=8080 node server.js
//
// Environment: PORT (8080), HOST (127.0.0.1), REDIS_URL, WORKER_BATCH (how
// many queued intents the worker takes and moves at once, 256).
// Redis modules come from Debian (node-express, node-redis): run node with
// NODE_PATH=/usr/share/nodejs when node is not Debian's own.

const crypto = require('crypto');
const express = require('express');
const { createClient } = require('redis');

const PORT = Number(process.env.PORT || 8080);
const HOST = process.env.HOST || '127.0.0.1';
const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const WORKER_BATCH = Number(process.env.WORKER_BATCH || 256);

const QUEUE = 'intents:queue';
const intentKey = (id) => `intent:${id}`;
const statusKey = (s) => `intents:status:${s}`;
const userKey = (u) => `intents:user:${u}`;

// The tokens and limits of intentd's defaults (docs/configuration.md).
const TOKENS = {
  'usdc.near': { decimals: 6, price: 1n },
  'usdt.near': { decimals: 6, price: 1n },
  'wrap.near': { decimals: 24, price: 5n },
};
const MAX_AMOUNT_TOKENS = 1000000000n;
const DEFAULT_LIFETIME_MS = 3600 * 1000;
const MAX_LIFETIME_MS = 604800 * 1000;
const MAX_SIGNATURE = 1024;
const SWAP_FIELDS = ['output_token', 'min_output_amount', 'max_slippage'];
const KNOWN = ['id', 'user_account', 'action', 'input_token', 'input_amount', 'output_token',
  'min_output_amount', 'max_slippage', 'recipient', 'expires_at', 'nonce', 'signature', 'public_key'];
const MESSAGES = {
  swap: {
    pending: 'Your request is being processed...',
    verified: 'Your token swap has been verified.',
    executing: 'Executing your token swap...',
    completed: 'Successfully completed your token swap!',
  },
  transfer: {
    pending: 'Your request is being processed...',
    verified: 'Your transfer has been verified.',
    executing: 'Executing your transfer...',
    completed: 'Successfully completed your transfer!',
  },
  stake: {
    pending: 'Your request is being processed...',
    verified: 'Your stake has been verified.',
    executing: 'Executing your stake...',
    completed: 'Successfully completed your stake!',
  },
};

const ENDED = {
  failed: 'The intent could not be completed.',
  expired: 'The intent expired before it could be executed.',
};

const ACCOUNT = /^(?=.{2,64}$)[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
const INTENT_ID = /^[A-Za-z0-9_-]{1,64}$/;
const DECIMAL = /^(\d+)(?:\.(\d+))?$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;

// A decimal string as integer base units of `decimals`; a problem string
// when it is not one.
function toUnits(text, decimals) {
  const m = DECIMAL.exec(text);
  if (!m) return { problem: 'must be a positive decimal' };
  const frac = m[2] || '';
  if (frac.replace(/0+$/, '').length > decimals) {
    return { problem: `has more than ${decimals} decimal places` };
  }
  const units = BigInt(m[1] + frac.padEnd(decimals, '0').slice(0, decimals));
  if (units === 0n) return { problem: 'must be a positive decimal' };
  if (units > MAX_AMOUNT_TOKENS * 10n ** BigInt(decimals)) {
    return { problem: `must be at most ${MAX_AMOUNT_TOKENS}` };
  }
  return { units };
}

function fromUnits(units, decimals) {
  const s = units.toString().padStart(decimals + 1, '0');
  const whole = s.slice(0, s.length - decimals);
  const frac = s.slice(s.length - decimals).replace(/0+$/, '');
  return frac ? `${whole}.${frac}` : whole;
}

// Validates a request body; returns {intent} or {details: [{field, problem}]}
// with every bad field listed.
function validate(body, now) {
  const details = [];
  const report = (field, problem) => details.push({ field, problem });
  const has = (k) => body[k] !== undefined && body[k] !== null;
  const str = (k, required) => {
    if (!has(k)) {
      if (required) report(k, 'is required');
      return undefined;
    }
    if (typeof body[k] !== 'string') {
      report(k, typeof body[k] === 'number' && k.endsWith('amount')
        ? 'must be a decimal string, not a number' : 'must be a string');
      return undefined;
    }
    return body[k];
  };
  const out = {};
  const id = str('id', false);
  if (id !== undefined) {
    if (INTENT_ID.test(id)) out.id = id;
    else report('id', "must be 1 to 64 characters of A-Z, a-z, 0-9, '_' or '-'");
  }
  const account = (k, required) => {
    const v = str(k, required);
    if (v !== undefined && !ACCOUNT.test(v)) {
      report(k, "must be an account id: 2 to 64 characters of a-z and 0-9, separated by single '.', '_' or '-'");
    }
    return v;
  };
  out.user_account = account('user_account', true);
  const action = str('action', true);
  if (action !== undefined && !MESSAGES[action]) report('action', 'must be one of swap, transfer, stake');
  const known = MESSAGES[action] ? action : undefined;
  out.action = action;
  const swap = known === 'swap';
  if (known) {
    for (const f of SWAP_FIELDS) {
      if (!swap && has(f)) report(f, 'is only allowed when action is swap');
    }
    if (swap && has('recipient')) report('recipient', 'is only allowed when action is transfer or stake');
  }
  const token = (k, required) => {
    const v = str(k, required);
    if (v === undefined) return undefined;
    if (!TOKENS[v]) {
      report(k, `unknown token "${v}"`);
      return undefined;
    }
    return v;
  };
  const amount = (k, required, tok) => {
    const v = str(k, required);
    if (v === undefined) return undefined;
    const r = toUnits(v, tok ? TOKENS[tok].decimals : 38);
    if (r.problem) report(k, r.problem);
    return v;
  };
  out.input_token = token('input_token', true);
  out.input_amount = amount('input_amount', true, out.input_token);
  if (swap || !known) {
    out.output_token = token('output_token', swap);
    if (out.output_token && out.output_token === out.input_token) {
      report('output_token', 'must differ from input_token');
    }
    out.min_output_amount = amount('min_output_amount', swap, out.output_token);
    if (has('max_slippage')) {
      const s = String(body.max_slippage);
      const m = /^(\d+)(?:\.(\d{1,2}))?$/.exec(s);
      if ((typeof body.max_slippage !== 'string' && typeof body.max_slippage !== 'number') || !m ||
          Number(s) > 50) {
        report('max_slippage', 'must be a percentage from 0 to 50 with at most 2 decimal places');
      } else {
        out.max_slippage = s;
      }
    }
  }
  if (!swap) out.recipient = account('recipient', known !== undefined);
  const expires = str('expires_at', false);
  if (expires === undefined) {
    out.expires_at = new Date(now + DEFAULT_LIFETIME_MS).toISOString();
  } else {
    const t = RFC3339.test(expires) ? Date.parse(expires) : NaN;
    if (Number.isNaN(t)) report('expires_at', 'must be an RFC 3339 date-time such as 2026-11-22T10:05:00Z');
    else if (t <= now) report('expires_at', 'must be in the future');
    else if (t > now + MAX_LIFETIME_MS) report('expires_at', `must be no later than ${new Date(now + MAX_LIFETIME_MS).toISOString()}`);
    out.expires_at = expires;
  }
  if (has('nonce')) {
    const n = body.nonce;
    const ok = (Number.isSafeInteger(n) && n >= 0) ||
      (typeof n === 'string' && /^\d{1,20}$/.test(n) && BigInt(n) < 2n ** 64n);
    if (ok) out.nonce = String(n);
    else report('nonce', 'must be a non-negative integer below 2^64');
  }
  for (const k of ['signature', 'public_key']) {
    const v = str(k, false);
    if (v !== undefined && v.length > MAX_SIGNATURE) report(k, `must be at most ${MAX_SIGNATURE} characters`);
    else if (v !== undefined) out[k] = v;
  }
  if (has('public_key') && !out.signature) report('public_key', 'is only allowed with a signature');
  for (const k of Object.keys(body)) {
    if (!KNOWN.includes(k)) report(k, 'unknown field');
  }
  return details.length ? { details } : { intent: out };
}

// The stored hash as the API's record.
function toRecord(h) {
  const rec = { id: h.id, user_account: h.user_account, action: h.action, input_token: h.input_token,
    input_amount: h.input_amount };
  for (const k of ['output_token', 'min_output_amount', 'max_slippage', 'recipient']) {
    if (h[k] !== undefined) rec[k] = h[k];
  }
  rec.expires_at = h.expires_at;
  rec.nonce = h.nonce !== undefined ? Number(h.nonce) : 0;
  if (h.signature !== undefined) rec.signature = h.signature;
  rec.status = h.status;
  rec.status_message = h.status_message;
  rec.created_at = h.created_at;
  rec.updated_at = h.updated_at;
  rec.seq = Number(h.seq);
  rec.history = JSON.parse(h.history || '[]');
  rec.execution = h.execution ? JSON.parse(h.execution) : null;
  rec.error = h.error ? JSON.parse(h.error) : null;
  return rec;
}

function apiError(res, status, code, message, details) {
  const error = { code, message };
  if (details) error.details = details;
  res.status(status).json({ error });
}

async function main() {
  const redis = createClient({ url: REDIS_URL });
  const blocking = redis.duplicate();
  redis.on('error', (e) => console.error('redis:', e.message));
  blocking.on('error', (e) => console.error('redis (worker):', e.message));
  await redis.connect();
  await blocking.connect();

  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.use(express.json({ limit: '64kb' }));

  app.get('/healthz', (req, res) => res.json({ status: 'ok' }));
  app.get('/readyz', (req, res) => res.json({ status: 'ready' }));
  // The size of each status set, in intentd's metric's name and format.
  app.get('/metrics', async (req, res, next) => {
    try {
      const statuses = ['pending', 'verified', 'executing', 'completed', 'failed', 'expired', 'cancelled'];
      const counts = await Promise.all(statuses.map((s) => redis.sCard(statusKey(s))));
      res.type('text/plain').send(statuses.map((s, i) => `intents_by_status{status="${s}"} ${counts[i]}\n`).join(''));
    } catch (e) {
      next(e);
    }
  });

  app.post('/api/v1/intents', async (req, res, next) => {
    try {
      if (!req.is('application/json')) return apiError(res, 415, 'unsupported_media_type', 'send JSON');
      const body = req.body;
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        return apiError(res, 400, 'invalid_intent', 'the body must be a JSON object');
      }
      const now = Date.now();
      const v = validate(body, now);
      if (v.details) return apiError(res, 400, 'invalid_intent', 'the intent is not valid', v.details);
      const intent = v.intent;
      const bodyText = JSON.stringify(body);
      const id = intent.id || crypto.randomUUID();
      if (intent.id) {
        // A client's id: the same body again is answered 200, another 409.
        if (!(await redis.hSetNX(intentKey(id), 'body', bodyText))) {
          const h = await redis.hGetAll(intentKey(id));
          if (h.body !== bodyText) return apiError(res, 409, 'id_conflict', 'the id is taken by another intent');
          if (!h.status) return apiError(res, 503, 'unavailable', 'the intent is being stored; retry');
          return res.status(200).json(toRecord(h));
        }
      }
      const at = new Date(now).toISOString();
      const h = { id, status: 'pending', status_message: MESSAGES[intent.action].pending,
        created_at: at, updated_at: at, seq: '1', history: JSON.stringify([{ status: 'pending', at }]),
        body: bodyText };
      for (const k of Object.keys(intent)) {
        if (intent[k] !== undefined && k !== 'id' && k !== 'public_key') h[k] = intent[k];
      }
      try {
        await redis.multi()
          .hSet(intentKey(id), h)
          .sAdd(userKey(intent.user_account), id)
          .sAdd(statusKey('pending'), id)
          .rPush(QUEUE, id)
          .exec();
      } catch (e) {
        // Not stored: free the client's id for a retry.
        if (intent.id) await redis.del(intentKey(id)).catch(() => {});
        throw e;
      }
      res.status(202).json(toRecord(h));
    } catch (e) {
      next(e);
    }
  });

  app.get('/api/v1/intents/:id', async (req, res, next) => {
    try {
      const h = await redis.hGetAll(intentKey(req.params.id));
      if (!h.status) return apiError(res, 404, 'not_found', 'no intent with this id');
      res.json(toRecord(h));
    } catch (e) {
      next(e);
    }
  });

  // ?status= or ?user= (one index set, scanned), limit, cursor.
  app.get('/api/v1/intents', async (req, res, next) => {
    try {
      const { status, user } = req.query;
      if (!status && !user) return apiError(res, 400, 'invalid_query', 'give user or status');
      const limit = Math.min(Math.max(Number(req.query.limit) || 50, 1), 1000);
      const key = user ? userKey(user) : statusKey(status);
      const scan = await redis.sScan(key, Number(req.query.cursor) || 0, { COUNT: limit });
      const hashes = await Promise.all(scan.members.map((id) => redis.hGetAll(intentKey(id))));
      const items = hashes.filter((h) => h.status && (!status || h.status === status)).map(toRecord);
      res.json({ items, next_cursor: scan.cursor === 0 ? null : String(scan.cursor) });
    } catch (e) {
      next(e);
    }
  });

  app.use((err, req, res, next) => {
    if (res.headersSent) return next(err);
    if (err.type === 'entity.too.large') return apiError(res, 413, 'too_large', 'the body is too large');
    if (err.type === 'entity.parse.failed') return apiError(res, 400, 'invalid_json', 'the body is not JSON');
    console.error(err);
    apiError(res, 503, 'unavailable', 'storage is not available');
  });

  // One step of an intent's life: the new status and fields in one
  // transaction, the status index moved with it.
  async function step(h, to, extra) {
    const at = new Date().toISOString();
    const history = JSON.parse(h.history);
    history.push({ status: to, at });
    const from = h.status;
    Object.assign(h, { status: to, status_message: MESSAGES[h.action][to] || ENDED[to],
      updated_at: at, seq: String(Number(h.seq) + 1), history: JSON.stringify(history) }, extra);
    await redis.multi()
      .hSet(intentKey(h.id), { status: h.status, status_message: h.status_message, updated_at: at,
        seq: h.seq, history: h.history, ...extra })
      .sMove(statusKey(from), statusKey(to), h.id)
      .exec();
  }

  async function work(id) {
    const h = await redis.hGetAll(intentKey(id));
    if (h.status !== 'pending') return;
    if (Date.parse(h.expires_at) <= Date.now()) {
      await step(h, 'expired', {});
      return;
    }
    await step(h, 'verified', {});
    await step(h, 'executing', { execution: JSON.stringify({ solver_id: 'solver-1', attempts: 1,
      transactions: [], gas_used: 0, total_cost: '0', output_amount: null }) });
    let output = h.input_amount;
    if (h.action === 'swap') {
      const a = TOKENS[h.input_token];
      const b = TOKENS[h.output_token];
      const units = toUnits(h.input_amount, a.decimals).units;
      const out = units * a.price * 10n ** BigInt(b.decimals) / (b.price * 10n ** BigInt(a.decimals));
      const min = toUnits(h.min_output_amount, b.decimals).units;
      output = fromUnits(out, b.decimals);
      if (out < min) {
        await step(h, 'failed', { error: JSON.stringify({ code: 'slippage',
          message: `the output ${output} is below the minimum ${h.min_output_amount}` }) });
        return;
      }
    }
    const hash = '0x' + crypto.randomBytes(16).toString('hex');
    await step(h, 'completed', { execution: JSON.stringify({ solver_id: 'solver-1', attempts: 1,
      transactions: [{ hash, chain: 'simulated', status: 'success' }], gas_used: 30000,
      total_cost: '0.03', output_amount: output }) });
  }

  let running = true;
  async function worker() {
    while (running) {
      let first;
      try {
        first = await blocking.blPop(QUEUE, 1);
      } catch (e) {
        if (!running) break;
        throw e;
      }
      if (!first) continue;
      const more = WORKER_BATCH > 1 ? await redis.lPopCount(QUEUE, WORKER_BATCH - 1) : null;
      const ids = [first.element, ...(more || [])];
      await Promise.all(ids.map((id) => work(id).catch((e) => console.error(`intent ${id}:`, e.message))));
    }
  }

  const server = app.listen(PORT, HOST, () => console.log(`peer listening on ${HOST}:${PORT}`));
  const done = worker().catch((e) => {
    console.error('worker:', e);
    process.exit(1);
  });
  const stop = async () => {
    running = false;
    server.close();
    await done;
    await Promise.allSettled([redis.quit(), blocking.quit()]);
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
