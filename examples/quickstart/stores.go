package main

import (
	"context"
	"fmt"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/incident"
	"github.com/iso20k/sms/memstore"
)

// stores are the stores the story's services run on.
type stores struct {
	name      string
	incidents sms.Store[*incident.Incident]
}

func openStores(ctx context.Context, kind, dbPath, dsn string) (stores, func(), error) {
	switch kind {
	case "memory":
		return stores{name: "in-memory", incidents: memstore.New[*incident.Incident]()}, func() {}, nil
	}
	return stores{}, nil, fmt.Errorf("unknown store %q: want sqlite, memory or postgres", kind)
}
