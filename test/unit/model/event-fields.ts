/** Event fields shared by the model's unit tests. */
export const base = {
  event_id: 'e-1',
  time: '2026-11-24T10:00:00.120Z',
  tenant: 'acme',
  host_id: 'laptop-1',
  session_id: 's-1',
  turn_id: 't-1',
  user_id: 'alice@example.com',
  team: 'payments',
  user_source: 'option' as const,
};
export const server = { server_name: 'files', server_id: 'abcd', server_version: '1.0.0' };
