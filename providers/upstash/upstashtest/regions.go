package upstashtest

import "slices"

// The fake keeps its own region lists (from upstash-api.md §1.5) rather than
// importing package upstash, so that a mistake there is not mirrored here.
var (
	awsRegions = []string{
		"us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1",
		"sa-east-1", "eu-west-1", "eu-west-2", "eu-central-1", "ap-south-1",
		"ap-southeast-1", "ap-northeast-1", "ap-southeast-2", "af-south-1",
	}
	gcpRegions = []string{"us-central1", "us-east4", "europe-west1", "asia-northeast1"}
	plans      = []string{
		"free", "payg", "fixed_250mb", "fixed_1gb", "fixed_5gb", "fixed_10gb",
		"fixed_50gb", "fixed_100gb", "fixed_500gb",
	}
)

func platformOf(region string) string {
	switch {
	case slices.Contains(awsRegions, region):
		return "aws"
	case slices.Contains(gcpRegions, region):
		return "gcp"
	}
	return ""
}

// The OpenAPI read_regions enum is AWS only and leaves out af-south-1.
func validReadRegion(region string) bool {
	return region != "af-south-1" && slices.Contains(awsRegions, region)
}

// typeOf maps a plan to the "type" the API reports.
func typeOf(plan string) string {
	switch plan {
	case "", "free":
		return "free"
	case "payg":
		return "payg"
	}
	return "pro"
}
