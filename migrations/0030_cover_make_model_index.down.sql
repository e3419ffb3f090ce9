DROP INDEX cars_listed_make_model_idx;
CREATE INDEX cars_listed_make_model_idx ON cars (make, model, created_at DESC, id DESC)
    WHERE status = 'available' AND deleted_at IS NULL;
