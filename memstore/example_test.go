package memstore_test

import (
	"context"
	"fmt"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/incident"
	"github.com/iso20k/sms/memstore"
)

// One store per kind of record, bound to its process: here the incidents.
func ExampleNew() {
	ctx := context.Background()
	incidents := memstore.New[*incident.Incident]()
	svc, err := incident.NewService(incidents, incident.Config{})
	if err != nil {
		panic(err)
	}
	agent := sms.Actor{ID: "dana", Roles: []sms.Role{incident.RoleServiceDesk}}
	inc, err := svc.Log(ctx, agent, incident.Report{Summary: "VPN down", Service: "vpn", Source: incident.SourceUser,
		Reporter: "carl", ReportedAt: time.Now()})
	if err != nil {
		panic(err)
	}
	journal, err := incidents.Journal(ctx, inc.ID)
	if err != nil {
		panic(err)
	}
	fmt.Println(incidents.Len(), "incident,", len(journal), "journal entry:", journal[0].Trigger)
	// Output:
	// 1 incident, 1 journal entry: log
}
