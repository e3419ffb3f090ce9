-- Search at a million cars (measured with bench/search.py):
-- * listed_text_hits(words, cap): the ids of the listed cars containing the search words, read from the text index,
--   or NULL when more than cap cars (or, by the statistics, very many) contain them. The search query sorts a few
--   matches itself, and walks its sort's index for common words: for a word no car has, that walk would read every
--   listed car. A sequential scan could do the same for a word the planner wrongly thinks common, so the lookup
--   runs with sequential scans off.
-- * Make and model are strongly related (a model belongs to one make); without these statistics the planner
--   expects thirty times fewer "Toyota Corolla" cars than there are and picks slow plans.
-- * Rare filter values ("new", a small town) must be in filter_tags' statistics, or the planner guesses them common
--   and walks an index past every listed car looking for them; a larger sample keeps them.
-- * Facet counts over a sample read covering indexes only: the newest-first index now carries filter_tags too, and
--   a new one per make lets a make with range filters read only that make's cars. The columns filters test come
--   first, fixed-width ones before the rest, so rejecting an entry decodes little of it.
-- * A make's cars by price ("BMW, cheapest first") are found inside the index too: cheap cars are mostly old, and
--   with a newer year asked for, the search would otherwise read thousands of cars from the table to fill a page.
-- * The city is searched through filter_tags like the other categorical filters, so its own index goes.
CREATE FUNCTION listed_text_hits(words text, cap integer) RETURNS bigint[]
LANGUAGE plpgsql STABLE
SET enable_seqscan = off
AS $$
DECLARE
    query tsquery := websearch_to_tsquery('english', words);
    tree text := querytree(query);
    share double precision := 1;
    lexemes text[];
    freqs real[];
    word text;
    ids bigint[];
BEGIN
    IF words IS NULL THEN
        RETURN NULL;
    ELSIF numnode(query) = 0 THEN  -- only stop words: nothing matches
        RETURN '{}';
    END IF;
    -- Common words, by the planner's statistics: without OR, the words each match must contain are together (as
    -- if independent) in at least 2 % of cars. Walking the sort's index finds a page of those within a few thousand
    -- rows; reading them all from the text index would cost more. A word missing from the statistics is rare.
    IF tree !~ '\|' THEN
        SELECT s.most_common_elems::text::text[], s.most_common_elem_freqs INTO lexemes, freqs
          FROM pg_stats s
         WHERE s.schemaname = current_schema() AND s.tablename = 'cars' AND s.attname = 'search';
        FOR word IN SELECT replace(m[2], '''''', '''')
                      FROM regexp_matches(tree, '(!?)''((?:[^'']|'''')+)''', 'g') AS m
                     WHERE m[1] = ''
        LOOP
            share := share * coalesce(freqs[array_position(lexemes, word)], 0);
        END LOOP;
        IF share >= 0.02 THEN
            RETURN NULL;
        END IF;
    END IF;
    SELECT array_agg(h.id) INTO ids
      FROM (SELECT c.id
              FROM cars c
             WHERE c.status = 'available'
               AND c.deleted_at IS NULL
               AND c.search @@ query
             LIMIT cap + 1) AS h;
    RETURN CASE WHEN cardinality(ids) > cap THEN NULL ELSE coalesce(ids, '{}') END;
END;
$$;

-- Whether a car's filter_tags carry every chosen value (NULL: any); true when nothing is chosen. The tags are spelled
-- as in the filter_tags column. A one-expression SQL function: the planner inlines it, so with the values known
-- the condition becomes a plain filter_tags @> '{...}' that the GIN and covering indexes serve.
CREATE FUNCTION has_filter_tags(tags text[], fuel text, body text, colour text, transmission text,
                                condition text, city text) RETURNS boolean
LANGUAGE sql IMMUTABLE
AS $$
    SELECT coalesce(fuel, body, colour, transmission, condition, city) IS NULL
        OR tags @> array_remove(ARRAY['fuel:' || fuel, 'body:' || body, 'colour:' || lower(colour),
                                      'transmission:' || transmission, 'condition:' || condition,
                                      'city:' || lower(city)], NULL)
$$;

ALTER TABLE cars ALTER COLUMN filter_tags SET STATISTICS 1000;

CREATE STATISTICS cars_make_model_stats (dependencies, mcv) ON make, model FROM cars;

DROP INDEX cars_listed_city_idx;
DROP INDEX cars_listed_created_at_idx;
CREATE INDEX cars_listed_created_at_idx ON cars (created_at DESC, id DESC)
    INCLUDE (year, mileage_km, price, filter_tags, make, model, fuel, body, transmission, colour, condition)
    WHERE status = 'available' AND deleted_at IS NULL;
DROP INDEX cars_listed_make_price_idx;
CREATE INDEX cars_listed_make_price_idx ON cars (make, price, id)
    INCLUDE (year, mileage_km, filter_tags, model)
    WHERE status = 'available' AND deleted_at IS NULL;
CREATE INDEX cars_listed_make_created_at_idx ON cars (make, created_at DESC, id DESC)
    INCLUDE (year, mileage_km, price, filter_tags, model, fuel, body, transmission, colour, condition)
    WHERE status = 'available' AND deleted_at IS NULL;

ANALYZE cars;
