module github.com/recur-go/recur/faults

go 1.26.0

require (
	github.com/Shopify/toxiproxy/v2 v2.5.0
	github.com/recur-go/recur v0.0.0-00010101000000-000000000000
	github.com/stretchr/testify v1.12.1
	go.uber.org/goleak v1.3.0
)

require go.yaml.in/yaml/v3 v3.0.5 // indirect

// faults tests the recur in this repository, also when built outside the workspace.
replace github.com/recur-go/recur => ../
