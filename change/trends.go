package change

import (
	"context"
	"sort"
	"time"
)

// Trends is the periodic analysis of change records (CHG-14): the volume of
// changes raised in a period by model, category and service, how many of
// them succeeded or failed, the share of emergency changes, how many
// caused incidents, and the age of the backlog not yet implemented.
type Trends struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	AsOf time.Time `json:"as_of"`
	// Raised counts the changes raised in [From, To).
	Raised     int            `json:"raised"`
	ByModel    map[string]int `json:"by_model"`
	ByCategory map[string]int `json:"by_category"`
	ByService  map[string]int `json:"by_service"`
	// Successful and Failed count the changes of the period whose
	// implementation ended; SuccessRate is Successful over both, or 0.
	Successful  int     `json:"successful"`
	Failed      int     `json:"failed"`
	SuccessRate float64 `json:"success_rate"`
	// Emergency counts the emergency changes of the period;
	// EmergencyRatio is Emergency over Raised, or 0.
	Emergency      int     `json:"emergency"`
	EmergencyRatio float64 `json:"emergency_ratio"`
	// CausedIncidents counts the changes of the period whose review names
	// incidents they caused, or whose failure linked incidents.
	CausedIncidents int `json:"caused_incidents"`
	// Backlog counts the changes, raised at any time, not yet implemented,
	// rejected or cancelled as of AsOf; OldestBacklog and MedianBacklog are
	// their ages.
	Backlog       int           `json:"backlog"`
	OldestBacklog time.Duration `json:"oldest_backlog"`
	MedianBacklog time.Duration `json:"median_backlog"`
}

// TrendsOf computes the trends over changes for the period [from, to) as
// of asOf. It is a pure function.
func TrendsOf(changes []*Change, from, to, asOf time.Time) Trends {
	tr := Trends{From: from.UTC(), To: to.UTC(), AsOf: asOf.UTC(),
		ByModel: map[string]int{}, ByCategory: map[string]int{}, ByService: map[string]int{}}
	var ages []time.Duration
	for _, c := range changes {
		tr.add(c, &ages)
	}
	tr.finish(ages)
	return tr
}

func (tr *Trends) add(c *Change, ages *[]time.Duration) {
	if c == nil {
		return
	}
	switch c.Status {
	case StatusDraft, StatusAssess, StatusAuthorize, StatusScheduled:
		if !c.CreatedAt.After(tr.AsOf) {
			tr.Backlog++
			*ages = append(*ages, tr.AsOf.Sub(c.CreatedAt))
		}
	}
	if c.CreatedAt.Before(tr.From) || !c.CreatedAt.Before(tr.To) {
		return
	}
	tr.Raised++
	tr.ByModel[c.Model]++
	tr.ByCategory[c.Category]++
	for _, s := range c.Services {
		tr.ByService[s]++
	}
	if c.ModelType == ModelEmergency {
		tr.Emergency++
	}
	switch {
	case c.Failed():
		tr.Failed++
	case c.Work != nil && !c.Work.EndedAt.IsZero():
		tr.Successful++
	}
	if (c.Review != nil && len(c.Review.IncidentsCaused) > 0) || (c.Failed() && len(c.LinkIDs(LinkIncident)) > 0) {
		tr.CausedIncidents++
	}
}

func (tr *Trends) finish(ages []time.Duration) {
	if n := tr.Successful + tr.Failed; n > 0 {
		tr.SuccessRate = float64(tr.Successful) / float64(n)
	}
	if tr.Raised > 0 {
		tr.EmergencyRatio = float64(tr.Emergency) / float64(tr.Raised)
	}
	if len(ages) > 0 {
		sort.Slice(ages, func(i, j int) bool { return ages[i] < ages[j] })
		tr.OldestBacklog, tr.MedianBacklog = ages[len(ages)-1], ages[len(ages)/2]
	}
}

// Trends computes the trends over every stored change (CHG-14).
func (s *Service) Trends(ctx context.Context, from, to, asOf time.Time) (Trends, error) {
	tr := Trends{From: from.UTC(), To: to.UTC(), AsOf: asOf.UTC(),
		ByModel: map[string]int{}, ByCategory: map[string]int{}, ByService: map[string]int{}}
	var ages []time.Duration
	err := s.Each(ctx, Query{Limit: 1000}, func(c *Change) bool { tr.add(c, &ages); return true })
	tr.finish(ages)
	return tr, err
}
