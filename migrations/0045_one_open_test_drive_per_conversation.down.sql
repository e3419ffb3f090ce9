DROP INDEX test_drives_one_open_key;
