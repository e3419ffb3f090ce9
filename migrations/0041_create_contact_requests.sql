-- Contacting a seller from the car page. A visitor's message is held until they confirm their address with the
-- mailed link (only the link's hash is kept; it expires after 24 hours); confirming delivers it once, as a message in
-- the conversation of the car and the visitor's account. A per-car, per-day counter of contacts and phone-number
-- reveals gives sellers their statistics without counting rows. A change of what a car page shows about the
-- seller's phone (seller_settings.phone_public) bumps the listings data version, as car pages are cached by it.

CREATE TABLE contact_requests (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_hash bytea NOT NULL,
    car_id bigint NOT NULL REFERENCES cars (id) ON DELETE CASCADE,
    name text NOT NULL,
    email text NOT NULL,
    phone text,
    message text NOT NULL,
    utm jsonb NOT NULL DEFAULT '{}',
    ip inet,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    confirmed_at timestamptz,
    user_id bigint REFERENCES users (id) ON DELETE SET NULL,
    conversation_id bigint REFERENCES conversations (id) ON DELETE SET NULL,
    CONSTRAINT contact_requests_token_hash_key UNIQUE (token_hash),
    CONSTRAINT contact_requests_name_check CHECK (length(name) BETWEEN 1 AND 100),
    CONSTRAINT contact_requests_email_check CHECK (length(email) BETWEEN 3 AND 254),
    CONSTRAINT contact_requests_phone_check CHECK (length(phone) <= 40),
    CONSTRAINT contact_requests_message_check CHECK (length(btrim(message)) BETWEEN 1 AND 5000),
    CONSTRAINT contact_requests_utm_check CHECK (jsonb_typeof(utm) = 'object')
);
-- The purge of held messages nobody confirmed, and of delivered ones past their keeping time.
CREATE INDEX contact_requests_expires_at_idx ON contact_requests (expires_at);
CREATE INDEX contact_requests_car_id_idx ON contact_requests (car_id);
COMMENT ON TABLE contact_requests IS 'A visitor''s message to a seller, held until they confirm their email address with the mailed link.';
COMMENT ON COLUMN contact_requests.token_hash IS 'SHA-256 of the confirmation link''s token (the token itself is only in the mail).';
COMMENT ON COLUMN contact_requests.phone IS 'The phone number the visitor gave (optional; it goes to the account made for them, never to the seller).';
COMMENT ON COLUMN contact_requests.utm IS 'The utm_* parameters of the visit that led to the contact.';
COMMENT ON COLUMN contact_requests.ip IS 'The address the form was sent from (for abuse reports).';
COMMENT ON COLUMN contact_requests.expires_at IS 'The link works until then; the row is purged a while after.';
COMMENT ON COLUMN contact_requests.confirmed_at IS 'When the link was used and the message delivered (a link works once).';
COMMENT ON COLUMN contact_requests.user_id IS 'The account the message was delivered as (made on confirming when the address had none).';
COMMENT ON COLUMN contact_requests.conversation_id IS 'The conversation the message was delivered to.';

CREATE TABLE car_contact_stats (
    car_id bigint NOT NULL REFERENCES cars (id) ON DELETE CASCADE,
    day date NOT NULL,
    contacts integer NOT NULL DEFAULT 0,
    phone_reveals integer NOT NULL DEFAULT 0,
    PRIMARY KEY (car_id, day),
    CONSTRAINT car_contact_stats_contacts_check CHECK (contacts >= 0),
    CONSTRAINT car_contact_stats_phone_reveals_check CHECK (phone_reveals >= 0)
);
COMMENT ON TABLE car_contact_stats IS 'Per car and day (UTC): how many contacts (inquiries) it got and how often its seller''s phone number was shown.';
COMMENT ON COLUMN car_contact_stats.contacts IS 'Inquiries recorded that day (kept by the trigger inquiries_count_contact).';
COMMENT ON COLUMN car_contact_stats.phone_reveals IS 'Times the seller''s phone number was shown on the car''s page that day (contact.reveal_phone).';

CREATE FUNCTION count_car_contact() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO car_contact_stats AS s (car_id, day, contacts)
    VALUES (NEW.car_id, (NEW.created_at AT TIME ZONE 'UTC')::date, 1)
        ON CONFLICT (car_id, day) DO UPDATE SET contacts = s.contacts + 1;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION count_car_contact() IS
    'Row trigger on inquiries: adds one to the contacts of the inquiry''s car and day (UTC) in car_contact_stats.';
CREATE TRIGGER inquiries_count_contact AFTER INSERT ON inquiries FOR EACH ROW EXECUTE FUNCTION count_car_contact();
COMMENT ON TRIGGER inquiries_count_contact ON inquiries IS
    'Counts each inquiry in car_contact_stats (the seller''s statistics on Your listings).';

-- Car pages show a "Show phone number" button when the seller publishes their number: publishing or hiding it bumps
-- the listings version, so cached car pages are fresh at once (as users_bump_listings does for names). The number
-- itself is not in the page; removing it hides it (contact.hide_phone, in the same transaction).
CREATE TRIGGER seller_settings_bump_listings_inserted AFTER INSERT ON seller_settings
    FOR EACH ROW WHEN (NEW.phone_public)
    EXECUTE FUNCTION bump_data_version('listings');
CREATE TRIGGER seller_settings_bump_listings_updated AFTER UPDATE OF phone_public ON seller_settings
    FOR EACH ROW WHEN (OLD.phone_public IS DISTINCT FROM NEW.phone_public)
    EXECUTE FUNCTION bump_data_version('listings');
COMMENT ON TRIGGER seller_settings_bump_listings_inserted ON seller_settings IS
    'Bumps the listings data version when a seller publishes their phone number: car pages show the button (bump_data_version).';
COMMENT ON TRIGGER seller_settings_bump_listings_updated ON seller_settings IS
    'Bumps the listings data version when a seller publishes or hides their phone number: car pages show the button (bump_data_version).';
