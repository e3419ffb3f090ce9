DROP VIEW catalogue_names;
DROP TABLE catalogue_aliases;
DROP TABLE models;
DROP TABLE makes;
DROP FUNCTION catalogue_key(text);
