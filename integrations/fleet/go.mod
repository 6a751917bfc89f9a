module github.com/recur-go/recur/integrations/fleet

go 1.26.0

// fleet is tested against the recur in this repository, also when built outside the workspace.
replace github.com/recur-go/recur => ../..

require (
	github.com/Shopify/toxiproxy/v2 v2.5.0
	github.com/recur-go/recur v0.0.0-00010101000000-000000000000
	github.com/redis/go-redis/v9 v9.23.0
	github.com/stretchr/testify v1.12.1
	go.uber.org/goleak v1.3.0
)

require (
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	go.uber.org/atomic v1.12.0 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
	golang.org/x/sys v0.48.0 // indirect
)
