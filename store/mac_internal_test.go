package store

import (
	"strings"
	"testing"
)

// The reads that check MACs spell the columns out in SQL; they must be those the
// triggers authenticate.
func TestCheckedReadsCoverTheMACColumns(t *testing.T) {
	ts := macTables()
	for _, c := range []struct{ sql, want string }{
		{encounterCols, "e.mac, e." + strings.Join(ts[0].cols, ", e.")}, // checked in Go: scanEncounterThen
		{encounterStateChecked, ts[0].checkedExpr("e.", "e.state")},
		{userIDChecked, ts[1].checkedExpr("", "id")},
	} {
		if !strings.Contains(c.sql, c.want) {
			t.Errorf("%q does not hold %q", c.sql, c.want)
		}
	}
}
