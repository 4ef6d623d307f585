package upstash

import (
	"slices"
	"strings"
)

// Platforms of Upstash regions, as sent in the create request's "platform".
const (
	platformAWS = "aws"
	platformGCP = "gcp"
)

// awsRegions are the AWS primary regions (upstash-api.md §1.5).
var awsRegions = []string{
	"us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1",
	"sa-east-1", "eu-west-1", "eu-west-2", "eu-central-1", "ap-south-1",
	"ap-southeast-1", "ap-northeast-1", "ap-southeast-2", "af-south-1",
}

// gcpRegions are the GCP primary regions.
var gcpRegions = []string{"us-central1", "us-east4", "europe-west1", "asia-northeast1"}

// readRegionExcluded is the one AWS primary region the OpenAPI read_regions
// enum leaves out.
const readRegionExcluded = "af-south-1"

// platformOf returns the platform serving a primary region, or "" when the
// region is not an Upstash region.
func platformOf(region string) string {
	switch {
	case slices.Contains(awsRegions, region):
		return platformAWS
	case slices.Contains(gcpRegions, region):
		return platformGCP
	}
	return ""
}

// validReadRegion reports whether region may be a read region.
func validReadRegion(region string) bool {
	return region != readRegionExcluded && slices.Contains(awsRegions, region)
}

// regionList names every primary region for diagnostics.
func regionList() string {
	return "AWS: " + strings.Join(awsRegions, ", ") + "; GCP: " + strings.Join(gcpRegions, ", ")
}

// readRegionList names every read region for diagnostics.
func readRegionList() string {
	var out []string
	for _, r := range awsRegions {
		if r != readRegionExcluded {
			out = append(out, r)
		}
	}
	return strings.Join(out, ", ")
}

// plans are the create request's "plan" values.
var plans = []string{
	"free", "payg", "fixed_250mb", "fixed_1gb", "fixed_5gb", "fixed_10gb",
	"fixed_50gb", "fixed_100gb", "fixed_500gb",
}
