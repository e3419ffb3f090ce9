-- Listings reference the catalogue (issue 10): cars.make_id and cars.model_id. cars.make and cars.model stay, as
-- the catalogue's spelling kept by the trigger cars_follow_catalogue, so search, its indexes and listing_counts
-- read them as before, and one seller's spelling cannot split a make.
-- * Writers give ids (the selling form, the demo data), or text with no ids (older callers) or only changed text
--   (an approved revision): text is resolved through catalogue_make_id / catalogue_model_id (any letter case, accents, spacing; aliases; a model
--   typed with more words, "Golf GTI 2.0", is its first words' model, "Golf").
-- * A model the catalogue lacks ("other model" in the form) keeps the seller's text in model_other (and in model),
--   with model_id NULL. Such a car cannot become public (trigger, constraint name cars_model_in_catalogue) until a
--   moderator maps it to a model or adds the model to the catalogue.
-- * Cars already here are mapped below; those that cannot be are reported (NOTICE) and keep working as they were,
--   public ones included (a public car only has to be mapped when its make or model changes), and wait in the
--   moderators' "models to map" list.
ALTER TABLE cars
    ADD COLUMN make_id integer REFERENCES makes (id) ON DELETE RESTRICT,
    ADD COLUMN model_id integer,
    ADD COLUMN model_other text CONSTRAINT cars_model_other_check CHECK (length(btrim(model_other)) BETWEEN 1 AND 60),
    ADD CONSTRAINT cars_model_fkey FOREIGN KEY (make_id, model_id) REFERENCES models (make_id, id) ON DELETE RESTRICT;
CREATE INDEX cars_model_id_idx ON cars (model_id);
-- The moderators' list of cars whose model is not in the catalogue.
CREATE INDEX cars_unmapped_idx ON cars (created_at, id) WHERE model_id IS NULL AND deleted_at IS NULL;

CREATE FUNCTION catalogue_make_id(typed text) RETURNS integer
    LANGUAGE sql STABLE STRICT PARALLEL SAFE
    RETURN (SELECT f.id
              FROM (SELECT mk.id, 1 AS preference FROM makes mk WHERE mk.key = catalogue_key(typed)
                    UNION ALL
                    SELECT a.make_id, 2 FROM catalogue_aliases a
                     WHERE a.model_id IS NULL AND a.key = catalogue_key(typed)) AS f
             ORDER BY f.preference
             LIMIT 1);
COMMENT ON FUNCTION catalogue_make_id(text) IS
    'The catalogue make a typed name stands for (its name or an alias, compared by catalogue_key); NULL if none.';

CREATE FUNCTION catalogue_model_id(make integer, typed text, by_leading_words boolean DEFAULT true) RETURNS integer
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE AS $$
DECLARE
    words text[] := regexp_split_to_array(btrim(typed), '\s+');
    wanted text;
    found integer;
BEGIN
    -- All the words first, then ever fewer leading words: "Golf GTI Performance" is a Golf, "C 220 d" a C-Class.
    FOR n IN REVERSE cardinality(words)..CASE WHEN by_leading_words THEN 1 ELSE cardinality(words) END LOOP
        wanted := catalogue_key(array_to_string(words[1:n], ' '));
        SELECT f.id INTO found
          FROM (SELECT md.id, 1 AS preference FROM models md WHERE md.make_id = make AND md.key = wanted
                UNION ALL
                SELECT a.model_id, 2 FROM catalogue_aliases a
                 WHERE a.make_id = make AND a.model_id IS NOT NULL AND a.key = wanted) AS f
         ORDER BY f.preference
         LIMIT 1;
        IF found IS NOT NULL THEN
            RETURN found;
        END IF;
    END LOOP;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION catalogue_model_id(integer, text, boolean) IS
    'The model of a catalogue make a typed name stands for (name or alias by catalogue_key, else, by_leading_words, '
    'its leading words'' model: ''Golf GTI'' is a Golf); NULL if none.';

CREATE FUNCTION cars_follow_catalogue() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    by_text boolean;
BEGIN
    -- Text decides when the writer gives no ids at all, or changes only the text.
    by_text := NEW.make_id IS NULL AND NEW.model_id IS NULL AND NEW.model_other IS NULL;
    IF TG_OP = 'UPDATE' AND NOT by_text THEN
        by_text := NEW.make_id IS NOT DISTINCT FROM OLD.make_id AND NEW.model_id IS NOT DISTINCT FROM OLD.model_id
                   AND NEW.model_other IS NOT DISTINCT FROM OLD.model_other
                   AND (NEW.make IS DISTINCT FROM OLD.make OR NEW.model IS DISTINCT FROM OLD.model);
    END IF;
    IF by_text THEN  -- text given: what it stands for in the catalogue
        NEW.make_id := catalogue_make_id(NEW.make);
        NEW.model_id := NULL;
        NEW.model_other := NULL;
    END IF;
    IF NEW.model_id IS NULL AND NEW.make_id IS NOT NULL THEN
        -- A model typed as text may be its first words' model ("Golf GTI"); one the seller typed as not in the
        -- list ("other model": model_other) is a catalogue model only by its very name or an alias.
        NEW.model_id := CASE WHEN NEW.model_other IS NULL THEN catalogue_model_id(NEW.make_id, NEW.model)
                             ELSE catalogue_model_id(NEW.make_id, NEW.model_other, false) END;
    END IF;
    IF NEW.model_id IS NOT NULL THEN
        SELECT md.make_id, md.name INTO NEW.make_id, NEW.model FROM models md WHERE md.id = NEW.model_id;
        NEW.model_other := NULL;
    ELSE
        NEW.model_other := btrim(regexp_replace(coalesce(NEW.model_other, NEW.model), '\s+', ' ', 'g'));
        NEW.model := NEW.model_other;
    END IF;
    IF NEW.make_id IS NOT NULL THEN
        SELECT mk.name INTO NEW.make FROM makes mk WHERE mk.id = NEW.make_id;
    END IF;
    IF NEW.model_id IS NULL AND listing_is_public(NEW.status)
       AND current_setting('carsite.catalogue_mapping', true) IS DISTINCT FROM 'on'
       AND (TG_OP = 'INSERT' OR NOT listing_is_public(OLD.status) OR OLD.model_id IS NOT NULL
            OR NEW.make IS DISTINCT FROM OLD.make OR NEW.model IS DISTINCT FROM OLD.model) THEN
        RAISE EXCEPTION 'The model "%" of car % is not in the catalogue: map it before the car is public.',
                        NEW.model, NEW.id
              USING ERRCODE = 'check_violation', CONSTRAINT = 'cars_model_in_catalogue', TABLE = 'cars';
    END IF;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION cars_follow_catalogue() IS
    'Keeps cars.make and cars.model the catalogue''s spelling of make_id and model_id (resolving text when only text '
    'is written), keeps a model the catalogue lacks in model_other, and refuses to make such a car public '
    '(cars_model_in_catalogue).';
CREATE TRIGGER cars_follow_catalogue BEFORE INSERT OR UPDATE OF make, model, make_id, model_id, model_other, status
    ON cars FOR EACH ROW EXECUTE FUNCTION cars_follow_catalogue();
COMMENT ON TRIGGER cars_follow_catalogue ON cars IS
    'Make and model text follow the catalogue ids; a car whose model is not in the catalogue cannot become public.';

-- Today's cars (the trigger finds each model, and keeps a model it cannot find in model_other). Public cars it
-- cannot map stay public: this one statement may respell them (carsite.catalogue_mapping).
-- Filling in the ids is no change a seller made: updated_at (the sitemap's lastmod) stays.
SET LOCAL carsite.catalogue_mapping = 'on';
ALTER TABLE cars DISABLE TRIGGER cars_set_updated_at;
UPDATE cars SET make_id = catalogue_make_id(make);
ALTER TABLE cars ENABLE TRIGGER cars_set_updated_at;
RESET carsite.catalogue_mapping;

DO $$
DECLARE
    total bigint;
    unknown_make bigint;
    unknown_model bigint;
    examples text;
BEGIN
    SELECT count(*), count(*) FILTER (WHERE make_id IS NULL), count(*) FILTER (WHERE make_id IS NOT NULL AND model_id IS NULL)
      INTO total, unknown_make, unknown_model
      FROM cars;
    SELECT string_agg(format('%s / %s (%s)', make, model, n), ', ')
      INTO examples
      FROM (SELECT make, model, count(*) AS n FROM cars WHERE model_id IS NULL
             GROUP BY make, model ORDER BY count(*) DESC, make, model LIMIT 20) AS u;
    RAISE NOTICE 'catalogue: % of % cars mapped; % with a make the catalogue lacks, % with a model it lacks%',
                 total - unknown_make - unknown_model, total, unknown_make, unknown_model,
                 CASE WHEN examples IS NULL THEN '' ELSE ' (moderators map them; most common: ' || examples || ')' END;
END;
$$;
