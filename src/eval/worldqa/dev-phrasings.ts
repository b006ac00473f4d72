/**
 * Development phrasings of each WorldQA question kind: neither training (the templates and the
 * curriculum's paraphrases) nor the held-out set uses them. They are for choosing between curricula and
 * retrains (`cogcore eval worldqa --dev-phrasings`) so that such choices need not read the held-out set,
 * which then stays a measure of phrasings nobody tuned for.
 *
 * Written like the held-out ones: an opening verb or connector that training lacks ("Report", "Which of the two",
 * "less"), a name that comes second in the sentence but first in the calculation. None shares four
 * words in a row, or its opening, with a held-out phrasing, and each has four words in a row that training
 * never has (a test checks).
 */

const CITY_POPULATION = [
  "Report the number of residents of {city}.",
  "{city} has a population of how many?",
  "Do you know how many people reside in {city}?",
];

const COUNTRY_CAPITAL = [
  "Identify the capital of {country}.",
  "From which city is {country} governed?",
  "Which city houses the government of {country}?",
];

const ELEMENT_NUMBER = [
  "State the atomic number of {element}.",
  "What number does {element} have on the periodic table?",
  "How many protons are found in {element}?",
];

export const DEV_PHRASINGS: Readonly<Record<string, readonly string[]>> = {
  "city-population": CITY_POPULATION,
  "city-country": [
    "State the country that {city} is in.",
    "{city} is situated in what country?",
    "What nation is {city} found in?",
  ],
  "country-capital": COUNTRY_CAPITAL,
  "country-region": [
    "Identify the region of the world where {country} is.",
    "{country} belongs to which world region?",
    "Where in the world is {country}, by region?",
  ],
  "country-currency": [
    "Identify the money used in {country}.",
    "What do they pay with in {country}?",
    "{country} uses what currency?",
  ],
  "country-area": [
    "Report the area of {country} in square kilometres.",
    "How much land does {country} occupy, in km²?",
    "{country} is how many square kilometres in size?",
  ],
  "element-number": ELEMENT_NUMBER,
  "element-mass": [
    "State the atomic mass of {element}.",
    "What is the mass of one {element} atom?",
    "{element} weighs how much per atom?",
  ],
  "element-symbol": [
    "State the chemical symbol of {element}.",
    "What short symbol represents {element}?",
    "{element} is denoted by which symbol?",
  ],
  "symbol-element": [
    "Which element goes by the symbol {symbol}?",
    "{symbol} stands for what element?",
    "What is the element behind the symbol {symbol}?",
  ],
  "capital-population": [
    "Report the population of {country}'s capital.",
    "How many residents are there in {country}'s capital city?",
    "{country}'s capital has how many inhabitants?",
  ],
  "city-country-currency": [
    "What currency circulates in the country that contains {city}?",
    "Someone in {city} pays with what currency?",
    "Report the currency of the country {city} is in.",
  ],
  "city-country-capital": [
    "Report the capital of the country that {city} is in.",
    "Which capital governs the country {city} lies in?",
    "{city}'s country has which city as capital?",
  ],
  "population-difference": [
    "Work out the population of {a} less the population of {b}.",
    "How many fewer people live in {b} than in {a}?",
    "Compared with {b}, how many extra people does {a} have?",
  ],
  "population-sum": [
    "Count everyone living in {a} and {b}: what is the total?",
    "Together, {a} and {b} have how many residents?",
    "What population do {a} and {b} reach when combined?",
  ],
  "area-difference": [
    "Work out the area of {a} less the area of {b}, in square kilometres.",
    "How many fewer square kilometres does {b} cover than {a}?",
    "Compared with {b}, how much extra area does {a} have in km²?",
  ],
  "molar-mass": [
    "Work out the grams per mole of {formula}.",
    "What is the formula mass of {formula}, in g/mol?",
    "Determine the molar mass of {formula}.",
  ],
  "city-more-people": [
    "Which of the two has the bigger population: {a} or {b}?",
    "{a} or {b}: where do more people live?",
    "Which city counts more residents, {a} or {b}?",
  ],
  "country-larger": [
    "Which of the two covers the bigger area: {a} or {b}?",
    "Which country occupies more land, {a} or {b}?",
    "{a} or {b}: which of these countries is larger in size?",
  ],
  "element-heavier": [
    "Which of the two has the heavier atoms: {a} or {b}?",
    "Which weighs more per atom, {a} or {b}?",
    "{a} or {b}: whose atomic mass is bigger?",
  ],
  "invented-city-population": CITY_POPULATION,
  "invented-country-capital": COUNTRY_CAPITAL,
  "invented-element-number": ELEMENT_NUMBER,
  "country-population": [
    "Report the number of people in the country {country}.",
    "What number of people does the nation {country} have?",
    "The nation of {country} counts how many residents?",
  ],
  "city-founding": [
    "What is the year of {city}'s founding?",
    "Report when {city} was founded.",
    "{city} was established in what year?",
  ],
};
