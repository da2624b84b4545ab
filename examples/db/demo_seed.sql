-- The data the `demo-standard` MariaDB snapshot is built from.
-- Load it into the environment's database (no USE here, so the snapshot maker picks the database):
--   mariadb --database=<services.mysql.database> < examples/db/demo_seed.sql
-- The `books` app reads the `books` table; `prices` uses list_price_cents.

CREATE TABLE IF NOT EXISTS books (
  id               INT UNSIGNED NOT NULL PRIMARY KEY,
  title            VARCHAR(200) NOT NULL,
  author           VARCHAR(120) NOT NULL,
  published_year   SMALLINT     NOT NULL,
  list_price_cents INT UNSIGNED NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

DELETE FROM books;
INSERT INTO books (id, title, author, published_year, list_price_cents) VALUES
  (1, 'The Pragmatic Programmer',               'Andrew Hunt, David Thomas', 1999, 4299),
  (2, 'Site Reliability Engineering',           'Betsy Beyer et al.',        2016, 3999),
  (3, 'Designing Data-Intensive Applications',  'Martin Kleppmann',          2017, 4599),
  (4, 'Release It!',                            'Michael T. Nygard',         2018, 3499),
  (5, 'Continuous Delivery',                    'Jez Humble, David Farley',  2010, 4799),
  (6, 'The Phoenix Project',                    'Gene Kim et al.',           2013, 2499);
