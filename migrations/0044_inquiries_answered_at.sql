-- When the seller first answered an inquiry: their reply in its conversation closes it (the seller's response rate
-- and time, for the seller page and the dealership leads).
ALTER TABLE inquiries ADD COLUMN answered_at timestamptz;
COMMENT ON COLUMN inquiries.answered_at IS 'When the seller first wrote in the inquiry''s conversation after it (the reply that closed it); NULL while unanswered.';
