"""OSS and IOSS return data: Union OSS, non-Union OSS and the import scheme (IOSS)."""
