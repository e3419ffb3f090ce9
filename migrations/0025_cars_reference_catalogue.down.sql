DROP TRIGGER cars_follow_catalogue ON cars;
DROP FUNCTION cars_follow_catalogue();
DROP FUNCTION catalogue_model_id(integer, text, boolean);
DROP FUNCTION catalogue_make_id(text);
ALTER TABLE cars DROP COLUMN model_other, DROP COLUMN model_id, DROP COLUMN make_id;
