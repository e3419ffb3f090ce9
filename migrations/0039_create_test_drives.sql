-- Test drives booked in a conversation, and what a seller publishes for contact and booking (phone, time zone,
-- weekly opening hours and the length of a drive). The database refuses two confirmed drives of one car that
-- overlap: an exclusion constraint over (car, time range), which needs btree_gist for the car's equality.
CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TABLE seller_settings (
    user_id bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    phone_public boolean NOT NULL DEFAULT false,
    time_zone text NOT NULL DEFAULT 'Europe/Berlin',
    slot_minutes smallint NOT NULL DEFAULT 30,
    opening_hours jsonb NOT NULL DEFAULT '{}',
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT seller_settings_time_zone_check CHECK (length(time_zone) BETWEEN 1 AND 64),
    CONSTRAINT seller_settings_slot_minutes_check CHECK (slot_minutes BETWEEN 15 AND 240),
    CONSTRAINT seller_settings_opening_hours_check CHECK (jsonb_typeof(opening_hours) = 'object')
);
COMMENT ON TABLE seller_settings IS 'What a seller publishes for contact and test drives; no row means the defaults (phone hidden, Europe/Berlin, 30-minute drives, no opening hours).';
COMMENT ON COLUMN seller_settings.phone_public IS 'Whether buyers may reveal users.phone from the seller''s car pages.';
COMMENT ON COLUMN seller_settings.time_zone IS 'IANA time zone of the seller: test drive times and invitations are in it.';
COMMENT ON COLUMN seller_settings.opening_hours IS 'Weekly hours for test drives, by ISO weekday: {"1": [["09:00", "18:00"]], ...}; empty when buyers propose times themselves.';

CREATE TABLE test_drives (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    conversation_id bigint NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    car_id bigint NOT NULL REFERENCES cars (id) ON DELETE CASCADE,
    buyer_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    seller_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    status text NOT NULL DEFAULT 'requested',
    proposed_by text NOT NULL DEFAULT 'buyer',
    slots tstzrange[] NOT NULL,
    slot tstzrange,
    time_zone text NOT NULL,
    note text NOT NULL DEFAULT '',
    reminder_job_id bigint,
    cancelled_by bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    confirmed_at timestamptz,
    CONSTRAINT test_drives_status_check
        CHECK (status IN ('requested', 'confirmed', 'declined', 'cancelled', 'held', 'no_show')),
    CONSTRAINT test_drives_proposed_by_check CHECK (proposed_by IN ('buyer', 'seller')),
    CONSTRAINT test_drives_slots_check CHECK (cardinality(slots) BETWEEN 1 AND 3),
    CONSTRAINT test_drives_slot_check CHECK (status NOT IN ('confirmed', 'held', 'no_show') OR slot IS NOT NULL),
    CONSTRAINT test_drives_note_check CHECK (length(note) <= 1000),
    CONSTRAINT test_drives_no_overlap EXCLUDE USING gist (car_id WITH =, slot WITH &&) WHERE (status = 'confirmed')
);
CREATE INDEX test_drives_conversation_id_idx ON test_drives (conversation_id, id);
CREATE INDEX test_drives_seller_id_idx ON test_drives (seller_id, status);
CREATE INDEX test_drives_buyer_id_idx ON test_drives (buyer_id, status);
CREATE TRIGGER test_drives_set_updated_at BEFORE UPDATE ON test_drives FOR EACH ROW EXECUTE FUNCTION set_updated_at();
COMMENT ON TABLE test_drives IS 'A test drive asked for in a conversation: requested with up to three times, confirmed at one, declined, cancelled, then held or a no-show.';
COMMENT ON COLUMN test_drives.proposed_by IS 'Who proposed the times in slots: the other side confirms one of them.';
COMMENT ON COLUMN test_drives.slot IS 'The confirmed time.';
COMMENT ON COLUMN test_drives.reminder_job_id IS 'The job that reminds both sides the day before (cancelled with the drive).';
COMMENT ON CONSTRAINT test_drives_no_overlap ON test_drives IS 'One car never has two confirmed test drives that overlap.';
COMMENT ON TRIGGER test_drives_set_updated_at ON test_drives IS 'Keeps test_drives.updated_at at the time of the last change (set_updated_at).';
