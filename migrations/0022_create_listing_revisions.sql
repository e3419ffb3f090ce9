-- After approval a seller could change a live listing's title, description and price (to 1 €) and it stayed live
-- with the new text and no review: the "pay the deposit by wire first" scam. Material edits of a public listing
-- now wait here as a revision while the approved version stays public; an admin approves (the proposed values are
-- copied onto the car in one statement, in the transaction that marks the revision approved) or rejects with a
-- remark the seller sees. At most one revision per car is pending (a partial unique index decides, so two saves
-- or uploads at once meet in one row); version counts the seller's changes to it, and a decision names the version
-- the admin saw, so a change made meanwhile makes the decision 409 instead of approving something unseen.
CREATE TABLE listing_revisions (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    car_id       bigint NOT NULL REFERENCES cars (id) ON DELETE CASCADE,
    proposed     jsonb NOT NULL DEFAULT '{}'::jsonb
                     CONSTRAINT listing_revisions_proposed_check CHECK (jsonb_typeof(proposed) = 'object'),
    status       text NOT NULL DEFAULT 'pending'
                     CONSTRAINT listing_revisions_status_check
                     CHECK (status IN ('pending', 'approved', 'rejected', 'discarded')),
    version      integer NOT NULL DEFAULT 1,
    remark       text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    decided_by   bigint REFERENCES users (id) ON DELETE SET NULL,
    decided_at   timestamptz,
    CONSTRAINT listing_revisions_decided_check CHECK ((status = 'pending') = (decided_at IS NULL))
);
CREATE UNIQUE INDEX listing_revisions_car_id_pending_key ON listing_revisions (car_id) WHERE status = 'pending';
CREATE INDEX listing_revisions_car_id_idx ON listing_revisions (car_id, id);
CREATE INDEX listing_revisions_pending_idx ON listing_revisions (updated_at, id) WHERE status = 'pending';

-- Photos added to a public listing wait for the same review: public pages, search covers and the API show only
-- photos that are not awaiting review.
ALTER TABLE car_photos ADD COLUMN awaiting_review boolean NOT NULL DEFAULT false;
