-- Case numbers per city and year (issue 11.6): HRB-260601-000123 is the 123rd case Harbin
-- took in 2026 (its local year), whatever the other cities took, so one city's numbers no
-- longer tell another city's volume. 001's single sequence served every city.
--
-- Intake takes the next number with an upsert of the (tenant, year) row in the statement that
-- inserts the case: the row lock orders a city's reports (never two cities'), for the length
-- of that one statement, in every process sharing the database.
CREATE TABLE case_number_counters (
  tenant text NOT NULL,
  year   int NOT NULL,
  last   bigint NOT NULL,
  PRIMARY KEY (tenant, year)
);

-- Numbers already issued stay as they are; each city and year continues after the highest
-- it holds, so a new number never meets an old one. The year is the number's own (YYMMDD).
INSERT INTO case_number_counters (tenant, year, last)
SELECT tenant, 2000 + substring(number from '-([0-9]{2})[0-9]{4}-[0-9]+$')::int, max(substring(number from '-([0-9]+)$')::bigint)
FROM cases
WHERE number ~ '-[0-9]{6}-[0-9]+$'
GROUP BY 1, 2;

DROP SEQUENCE case_number_seq;
