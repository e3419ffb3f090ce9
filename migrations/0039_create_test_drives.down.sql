DROP TABLE test_drives;
DROP TABLE seller_settings;
