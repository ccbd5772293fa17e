-- A one-time code sent by SMS (the template parameter `code`, e.g. a binding code) is needed
-- until SendSms is called, never after: once a row is final (sent, failed or unknown) its `code`
-- parameter is replaced by "******", so the database and its backups never keep a usable code.
-- A trigger, so that every path that finishes a row (the job, an operator's UPDATE) masks it.
CREATE FUNCTION sms_sends_mask_code() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.params := jsonb_set(NEW.params, '{code}', '"******"');
    RETURN NEW;
END
$$;

CREATE TRIGGER sms_sends_mask_code
    BEFORE INSERT OR UPDATE OF status ON sms_sends
    FOR EACH ROW
    WHEN (NEW.status IN ('sent', 'failed', 'unknown') AND NEW.params ? 'code')
    EXECUTE FUNCTION sms_sends_mask_code();

UPDATE sms_sends SET params = jsonb_set(params, '{code}', '"******"')
 WHERE status IN ('sent', 'failed', 'unknown') AND params ? 'code';
