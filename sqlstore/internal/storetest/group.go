package storetest

import (
	"context"
	"database/sql"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/incident"
	"github.com/iso20k/sms/sqlstore"
)

// BenchConcurrentTransitions runs transitions from goroutines concurrent
// writers (at least one per processor), each on an incident of its own:
// ns/op is the wall time per transition, the inverse of the throughput
// they reach together.
func BenchConcurrentTransitions(b *testing.B, store sms.Store[*incident.Incident], goroutines int) {
	svc := Service(b, store)
	ctx, a := context.Background(), Actor()
	p := max(1, (goroutines+runtime.GOMAXPROCS(0)-1)/runtime.GOMAXPROCS(0))
	incs := make([]*incident.Incident, p*runtime.GOMAXPROCS(0))
	run := fmt.Sprint(b.N) // IDs of this run's own, as the benchmark runs several times on one database
	for k := range incs {
		incs[k] = WorkedIncident(b, svc, fmt.Sprintf("INC-conc-%s-%d", run, k))
	}
	var next atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(p)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		inc := incs[next.Add(1)-1]
		for i := 0; pb.Next(); i++ {
			var err error
			if i%2 == 0 {
				_, err = svc.Hold(ctx, a, inc.ID, incident.Suspension{Reason: incident.HoldCaller})
			} else {
				_, err = svc.Resume(ctx, a, inc.ID, incident.Resumption{})
			}
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// groups holds the group commit of each database the suite opened, so
// that every store on one database shares it.
var groups sync.Map // *sql.DB -> *sqlstore.Group

// GroupOf returns the group commit of db.
func GroupOf(db *sql.DB) *sqlstore.Group {
	g, _ := groups.LoadOrStore(db, sqlstore.NewGroup(db, 0))
	return g.(*sqlstore.Group)
}

// NewGroupStore returns a store on db that commits through db's group
// commit, closed when the test ends.
func NewGroupStore[E sms.Entity[E]](t testing.TB, h Harness, db *sql.DB) *sqlstore.Store[E] {
	t.Helper()
	h.Group = true
	return NewStore[E](t, h, db)
}
