// Command coredns is CoreDNS with the plugins the local cluster's Corefile needs: it
// answers for cluster.local and the reverse zones from the Kubernetes API and forwards
// nothing (the cluster's network namespace has no way out).
package main

import (
	_ "github.com/coredns/coredns/core/dnsserver" // the "dns" server type
	_ "github.com/coredns/coredns/plugin/cache"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/health"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	_ "github.com/coredns/coredns/plugin/loadbalance"
	_ "github.com/coredns/coredns/plugin/log"
	_ "github.com/coredns/coredns/plugin/loop"
	_ "github.com/coredns/coredns/plugin/metrics"
	_ "github.com/coredns/coredns/plugin/ready"
	_ "github.com/coredns/coredns/plugin/reload"
	_ "github.com/coredns/coredns/plugin/template"
	"github.com/coredns/coredns/coremain"
)

func main() {
	coremain.Run()
}
