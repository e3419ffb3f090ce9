-- Trade-ins (issue 14): a buyer describes a car to trade in (part exchange) in the conversation about the car they
-- want, or on their reservation (order_id, which has the same conversation), and the seller records an offer for
-- it that the buyer accepts or declines. The car, buyer and seller are the conversation's, copied so access checks
-- and the seller's lists read one row. One live trade-in (open, offered or accepted) per conversation: the buyer
-- withdraws it to describe another car; the database, not Python, refuses a second one sent at once.
CREATE TABLE trade_ins (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    conversation_id bigint NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    order_id        bigint REFERENCES orders (id) ON DELETE SET NULL,
    car_id          bigint NOT NULL REFERENCES cars (id) ON DELETE CASCADE,
    buyer_id        bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    seller_id       bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    make            text NOT NULL CONSTRAINT trade_ins_make_check CHECK (length(make) BETWEEN 1 AND 60),
    model           text NOT NULL CONSTRAINT trade_ins_model_check CHECK (length(model) BETWEEN 1 AND 60),
    year            smallint NOT NULL CONSTRAINT trade_ins_year_check CHECK (year BETWEEN 1900 AND 2100),
    mileage_km      integer NOT NULL CONSTRAINT trade_ins_mileage_km_check CHECK (mileage_km BETWEEN 0 AND 2000000),
    condition       text NOT NULL
                        CONSTRAINT trade_ins_condition_check CHECK (condition IN ('excellent', 'good', 'fair', 'poor')),
    notes           text NOT NULL DEFAULT '' CONSTRAINT trade_ins_notes_check CHECK (length(notes) <= 2000),
    status          text NOT NULL DEFAULT 'open' CONSTRAINT trade_ins_status_check
                        CHECK (status IN ('open', 'offered', 'accepted', 'declined', 'withdrawn')),
    offer_amount    numeric(12, 2) CONSTRAINT trade_ins_offer_amount_check
                        CHECK (offer_amount > 0 AND offer_amount <= 10000000),
    offer_note      text NOT NULL DEFAULT '' CONSTRAINT trade_ins_offer_note_check CHECK (length(offer_note) <= 1000),
    offered_at      timestamptz,
    decided_at      timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT trade_ins_buyer_not_seller_check CHECK (buyer_id <> seller_id),
    CONSTRAINT trade_ins_offer_check CHECK ((offer_amount IS NULL) = (offered_at IS NULL)),
    -- An offer exists once the seller made one; accepting or declining needs one.
    CONSTRAINT trade_ins_offered_check CHECK (status NOT IN ('offered', 'accepted', 'declined') OR offer_amount IS NOT NULL),
    CONSTRAINT trade_ins_decided_check CHECK ((status IN ('accepted', 'declined', 'withdrawn')) = (decided_at IS NOT NULL))
);
CREATE UNIQUE INDEX trade_ins_one_live_key ON trade_ins (conversation_id) WHERE status IN ('open', 'offered', 'accepted');
CREATE INDEX trade_ins_conversation_id_idx ON trade_ins (conversation_id, id);
CREATE INDEX trade_ins_order_id_idx ON trade_ins (order_id) WHERE order_id IS NOT NULL;
CREATE INDEX trade_ins_seller_id_idx ON trade_ins (seller_id, status);
CREATE INDEX trade_ins_buyer_id_idx ON trade_ins (buyer_id, status);
CREATE TRIGGER trade_ins_set_updated_at BEFORE UPDATE ON trade_ins FOR EACH ROW EXECUTE FUNCTION set_updated_at();
COMMENT ON TABLE trade_ins IS 'A car a buyer offers in part exchange, in a conversation (and maybe on its order): described, offered for by the seller, accepted, declined or withdrawn.';
COMMENT ON COLUMN trade_ins.order_id IS 'The reservation it was described on; NULL when described in the conversation (an inquiry).';
COMMENT ON COLUMN trade_ins.offer_amount IS 'What the seller offers for the car (EUR); revised while not accepted.';
COMMENT ON COLUMN trade_ins.decided_at IS 'When the buyer accepted, declined (the offer) or withdrew it.';
COMMENT ON INDEX trade_ins_one_live_key IS 'At most one open, offered or accepted trade-in per conversation.';
COMMENT ON TRIGGER trade_ins_set_updated_at ON trade_ins IS 'Keeps trade_ins.updated_at at the time of the last change (set_updated_at).';

-- Its photos: decoded and re-encoded like listing photos (two WebP sizes under the upload folder's trade-ins/, with
-- server-made names), shown only to the buyer, the seller and admins. Six at most: a photo takes one of six
-- positions, unique per trade-in, so no race stores a seventh.
CREATE TABLE trade_in_photos (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    trade_in_id bigint NOT NULL REFERENCES trade_ins (id) ON DELETE CASCADE,
    position    smallint NOT NULL CONSTRAINT trade_in_photos_position_check CHECK (position BETWEEN 0 AND 5),
    file        text NOT NULL CONSTRAINT trade_in_photos_file_check CHECK (file ~ '^[0-9a-f]{32}$'),
    width       integer NOT NULL CONSTRAINT trade_in_photos_width_check CHECK (width > 0),
    height      integer NOT NULL CONSTRAINT trade_in_photos_height_check CHECK (height > 0),
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT trade_in_photos_file_key UNIQUE (file),
    CONSTRAINT trade_in_photos_trade_in_id_position_key UNIQUE (trade_in_id, position)
);
COMMENT ON TABLE trade_in_photos IS 'Photos of a trade-in (at most six: positions 0 to 5), re-encoded WebP files under uploads/trade-ins/, for its buyer, seller and admins only.';
COMMENT ON COLUMN trade_in_photos.file IS 'The server-made base name of the files <file>-thumb.webp and <file>-large.webp.';
