package problem_test

import (
	"fmt"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/problem"
)

// The effectiveness report (PRB-13) over two resolved problems and the
// incidents opened since: its summary is what the periodic review
// examines.
func ExampleEffectiveness() {
	at := func(day int) time.Time { return time.Date(2026, 9, day, 9, 0, 0, 0, time.UTC) }
	vpn := &problem.Problem{Status: problem.StatusClosed, Category: "network", Resolution: problem.FixApplied, ResolvedAt: at(10),
		Analysis: &problem.Analysis{RootCause: "DPD timer too short", RecordedAt: at(4)},
		Links:    []sms.Link{{Type: problem.LinkConfigItem, ID: "vpn-gw-1"}}}
	vpn.ID, vpn.CreatedAt = "PRB-1", at(1)
	mail := &problem.Problem{Status: problem.StatusKnownError, Category: "email",
		Analysis: &problem.Analysis{RootCause: "quota job stalls", RecordedAt: at(12)}}
	mail.ID, mail.CreatedAt = "PRB-2", at(8)
	facts := []problem.IncidentFact{
		{ID: "INC-40", ConfigItems: []string{"vpn-gw-1"}, OpenedAt: at(2)},
		{ID: "INC-51", ConfigItems: []string{"vpn-gw-1"}, OpenedAt: at(20)},
	}
	rep := problem.Effectiveness([]*problem.Problem{vpn, mail}, nil, facts, at(30))
	fmt.Println(rep.Recurring, "of", len(rep.Resolutions), "resolved problems recurred:", rep.Resolutions[0].Incidents)
	fmt.Println(rep.Summary())
	// Output:
	// 1 of 1 resolved problems recurred: [INC-51]
	// Problem resolution as of 2026-09-30: 2 problem(s) (1 open, 1 resolved or closed, 0 cancelled). Recurrence: 1 of 1 resolved problem(s) recurred, 1 incident(s) on the same configuration item or category after resolution (PRB-1: INC-51); 0 reopened inside the observation window. Time to root cause: median 3d 12h, mean 3d 12h over 2 problem(s). Open problems: 1, oldest 22d (PRB-2), median age 22d. Open known errors: 0.
}
