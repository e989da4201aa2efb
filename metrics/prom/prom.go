// Package prom exports a runner's metrics through the Prometheus client
// library: a prometheus.Collector over the families of package
// github.com/tickgossip/gossip/metrics, with the same names, help and
// labels.
//
//	reg.MustRegister(prom.NewCollector(r)) // r is a *runner.Runner
//
// It is a module of its own, so that only programs that use the client
// library depend on it; package metrics serves the same metrics without
// it.
package prom

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/tickgossip/gossip/metrics"
	"github.com/tickgossip/gossip/runner"
)

// Collector collects a runner's metrics: each Collect reads Runner.Stats
// once, which is safe from any goroutine.
type Collector struct {
	r     *runner.Runner
	descs []*prometheus.Desc
}

var _ prometheus.Collector = (*Collector)(nil)

// NewCollector returns a Collector of r's metrics. Labels, if given, are
// added to every metric as constant labels (an instance name, say).
func NewCollector(r *runner.Runner, labels prometheus.Labels) *Collector {
	c := &Collector{r: r, descs: make([]*prometheus.Desc, len(metrics.Families))}
	for i, f := range metrics.Families {
		var variable []string
		if f.Label != "" {
			variable = []string{f.Label}
		}
		c.descs[i] = prometheus.NewDesc(f.Name, f.Help, variable, labels)
	}
	return c
}

// Describe sends the description of every metric.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.descs {
		ch <- d
	}
}

// Collect reads the runner's Stats and sends every sample.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	st := c.r.Stats()
	for i, f := range metrics.Families {
		vt := prometheus.GaugeValue
		if f.Type == metrics.Counter {
			vt = prometheus.CounterValue
		}
		for _, s := range f.Read(&st) {
			if f.Label != "" {
				ch <- prometheus.MustNewConstMetric(c.descs[i], vt, s.Value, s.Label)
			} else {
				ch <- prometheus.MustNewConstMetric(c.descs[i], vt, s.Value)
			}
		}
	}
}
