-- Seed 004 (issue 16): a mass send is never made twice. `called_at` is committed before the first
-- `mass/sendall` call goes out (after the row was claimed), so a run that finds it set knows the
-- send may have been made by an earlier run that died before recording it: it repeats the call
-- only under the same `clientmsgid` (WeChat answers 45065 with the earlier `msg_id`, which is
-- recorded) and only within WeChat's 24-hour de-duplication; later it gives up instead.
ALTER TABLE notice_mass_sends ADD COLUMN called_at TIMESTAMPTZ;
