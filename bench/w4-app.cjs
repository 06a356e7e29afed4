// The seed's W4 service as a real express app: a quote endpoint with a response cache.
// W4_KEY=volatile builds the cache key from the request's volatile data (a timestamp and a
// nonce, as seed 001's cache key held a changing field): no entry is ever hit again and the
// Map grows with every request. W4_KEY=stable keys by the symbol alone: 100 entries, always hit.
const express = require('express');

const cache = new Map();
const volatile = process.env.W4_KEY === 'volatile';
const app = express();
app.get('/quote/:symbol', (req, res) => {
  const symbol = req.params.symbol;
  const key = volatile ? `${symbol}:${Date.now()}:${Math.random()}` : symbol;
  let quote = cache.get(key);
  if (!quote) {
    quote = { symbol, at: Date.now(), history: Array.from({ length: 32 }, (_, i) => ({ t: i, px: 100 + Math.sin(i) })) };
    cache.set(key, quote);
  }
  res.json({ symbol, at: quote.at, last: quote.history[quote.history.length - 1].px, cached: cache.size });
});
app.listen(Number(process.env.PORT), '127.0.0.1');
