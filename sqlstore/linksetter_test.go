package sqlstore_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/change"
	"github.com/iso20k/sms/incident"
	"github.com/iso20k/sms/problem"
	"github.com/iso20k/sms/release"
	"github.com/iso20k/sms/request"
	"github.com/iso20k/sms/review"
	"github.com/iso20k/sms/smstest"
)

// The entity types whose links are a field of their own set them, so that
// a long list of them is paged: Attributes returns exactly what SetLinks
// set, and nothing once they are gone.
func TestEntitiesSetTheirLinks(t *testing.T) {
	links := []sms.Link{{Type: "problem", ID: "PRB-1"}, {Type: "config_item", ID: "CI-7"}}
	for _, e := range []interface {
		sms.LinkSetter
		Attributes() sms.Attributes
	}{
		&incident.Incident{}, &problem.Problem{}, &problem.KnownError{}, &request.Request{}, &change.Change{},
		&change.TransitionPlan{}, &release.Release{}, &review.Review{}, &smstest.Thing{},
	} {
		e.SetLinks(links)
		require.Equal(t, links, e.Attributes().Links, "%T", e)
		e.SetLinks(nil)
		require.Empty(t, e.Attributes().Links, "%T", e)
	}
}
