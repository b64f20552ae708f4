package store

import (
	"strings"
	"testing"
)

// The physician's name is read with its user row's MAC checked, over the columns the
// triggers authenticate.
func TestPhysicianNameReadChecked(t *testing.T) {
	if want := macTables()[1].checkedExpr("u.", "u.name"); !strings.Contains(encounterCols, want) {
		t.Errorf("encounterCols does not hold %q", want)
	}
}
