package sqlite_test

import (
	"testing"

	"github.com/iso20k/sms/incident"
	"github.com/iso20k/sms/sqlstore/internal/storetest"
	"github.com/iso20k/sms/sqlstore/sqlite"
)

func BenchmarkScratchTransitionNormal(b *testing.B) {
	storetest.BenchTransition(b, storetest.NewStore[*incident.Incident](b, harness(), openFile(b, sqlite.WithSynchronous(sqlite.SyncNormal))))
}
func BenchmarkScratchFloorNormal(b *testing.B) {
	storetest.BenchRawFloor(b, harness(), openFile(b, sqlite.WithSynchronous(sqlite.SyncNormal)))
}
