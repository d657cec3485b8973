package sqlite

import (
	"strings"
	"testing"
)

// Two migrations with the same number would run only the first: the
// second's version is recorded already, so it is skipped silently.
// Branches that each add a migration meet here when they are merged.
func TestMigrationNumbersAreUnique(t *testing.T) {
	entries, err := migrations.ReadDir("migrations")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]string{}
	for _, e := range entries {
		num := strings.SplitN(e.Name(), "_", 2)[0]
		if other, ok := seen[num]; ok {
			t.Errorf("migrations %s and %s share the number %s: the second would never be applied", other, e.Name(), num)
		}
		seen[num] = e.Name()
	}
}
