-- name: makes
-- Every make of the catalogue, by name; never empty once migrated (migration 0024 seeds it).
SELECT id, name FROM makes ORDER BY lower(name);

-- name: make
-- One make by id; no row for an unknown id.
SELECT id, name FROM makes WHERE id = :make_id;

-- name: models_of_make
-- The models of one make, by name, with their body types and production years (year_to NULL: still built); an
-- empty list for an unknown make.
SELECT id, make_id, name, bodies, year_from, year_to
  FROM models
 WHERE make_id = :make_id
 ORDER BY lower(name);

-- name: model
-- One model by id with its make's name; no row for an unknown id.
SELECT md.id, md.make_id, mk.name AS make, md.name, md.bodies, md.year_from, md.year_to
  FROM models md
  JOIN makes mk ON mk.id = md.make_id
 WHERE md.id = :model_id;

-- name: resolve
-- The catalogue make and model a typed make and model stand for (names or aliases in any case, as the cars
-- trigger reads them); one row, with NULL ids for what the catalogue lacks.
SELECT mk.id AS make_id, mk.name AS make, md.id AS model_id, md.name AS model, md.year_from, md.year_to
  FROM (SELECT catalogue_make_id(:make) AS id) AS r
  LEFT JOIN makes mk ON mk.id = r.id
  LEFT JOIN models md ON md.id = catalogue_model_id(mk.id, :model);

-- name: models_by_names
-- The models named by parallel arrays of make and model names (catalogue spellings), with ids and production
-- years, in no particular order; names the catalogue lacks are left out. Used by the demo data.
SELECT md.id AS model_id, md.make_id, mk.name AS make, md.name AS model, md.year_from, md.year_to
  FROM unnest(:makes::text[], :models::text[]) AS n(make, model)
  JOIN makes mk ON mk.name = n.make
  JOIN models md ON md.make_id = mk.id AND md.name = n.model;

-- name: name_taken
-- The model of a make whose name or alias reads like :name (by catalogue_key), with that spelling; no row when
-- none does.
SELECT md.name AS model, f.spelling
  FROM (SELECT md.id, md.name AS spelling FROM models md
         WHERE md.make_id = :make_id AND md.key = catalogue_key(:name)
        UNION ALL
        SELECT a.model_id, a.alias FROM catalogue_aliases a
         WHERE a.make_id = :make_id AND a.model_id IS NOT NULL AND a.key = catalogue_key(:name)) AS f
  JOIN models md ON md.id = f.id
 LIMIT 1;

-- name: add_model
-- Add a model to a make; returns its id. A name that reads like one of the make's models or aliases is refused
-- (unique violation models_make_id_key_key), as is an unknown make (foreign key) or impossible years (checks).
INSERT INTO models (make_id, name, bodies, year_from, year_to)
VALUES (:make_id, :name, :bodies::text[], :year_from, :year_to)
RETURNING id;

-- name: unmapped_cars
-- Cars (not deleted) whose model is not in the catalogue, oldest first, with the typed model, their status and
-- seller; at most 100; an empty list when every car is mapped.
SELECT c.id, c.title, c.make_id, c.make, c.model_other, c.year, c.status, c.created_at, u.id AS seller_id,
       u.name AS seller_name
  FROM cars c
  JOIN users u ON u.id = c.seller_id
 WHERE c.model_id IS NULL AND c.deleted_at IS NULL
 ORDER BY c.created_at, c.id
 LIMIT 100;

-- name: lock_unmapped_car
-- A car whose model is not in the catalogue, locked for mapping; no row when it is mapped already, deleted or
-- unknown.
SELECT id, seller_id, title, make_id, make, model_other, year, status
  FROM cars
 WHERE id = :car_id AND model_id IS NULL AND deleted_at IS NULL
   FOR NO KEY UPDATE;

-- name: map_car
-- Give a car a catalogue model (its make_id, make and model text follow by trigger); no row when it is mapped
-- already or gone.
UPDATE cars
   SET model_id = :model_id
 WHERE id = :car_id AND model_id IS NULL AND deleted_at IS NULL
RETURNING id, make, model;

-- name: terms
-- Every spelling of the catalogue, for matching search words in memory (carsite.cars.terms): each make and model by
-- its name, and each alias, with the table it comes from, its id there, its make and model (model NULL for a make)
-- and its catalogue_key; never empty once migrated.
SELECT 'makes' AS source, mk.id, mk.id AS make_id, NULL::integer AS model_id, mk.name AS make, NULL::text AS model,
       mk.name AS spelling, mk.key
  FROM makes mk
UNION ALL
SELECT 'models', md.id, md.make_id, md.id, mk.name, md.name, md.name, md.key
  FROM models md
  JOIN makes mk ON mk.id = md.make_id
UNION ALL
SELECT 'aliases', a.id, a.make_id, a.model_id, mk.name, md.name, a.alias, a.key
  FROM catalogue_aliases a
  JOIN makes mk ON mk.id = a.make_id
  LEFT JOIN models md ON md.id = a.model_id
 ORDER BY 1, 2;
