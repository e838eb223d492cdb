// What request logs must never carry: credentials in headers, and tokens in any logged object
// (POST /v1/resources answers with one; response bodies are not logged, and this is the net
// under that). pino replaces each path's value with "[Redacted]".

export const LOG_REDACTION = {
  paths: [
    'req.headers.authorization',
    'req.headers.cookie',
    'req.headers["proxy-authorization"]',
    'res.headers["set-cookie"]',
    'token',
    '*.token',
  ],
  censor: '[Redacted]',
};
