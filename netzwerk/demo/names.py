"""Word lists for the fictitious city of Musterstadt: people, streets, schools, employers."""

from netzwerk.members.models import EmployerKind, SchoolForm

CITY = "Musterstadt"


def _words(text: str) -> tuple[str, ...]:
    """A comma-separated list, wrapped freely over lines, as a tuple of entries."""
    return tuple(" ".join(word.split()) for word in text.split(",") if word.strip())


# Sozialräume with the postal codes that lie in them (12xxx is not a real German code area).
DISTRICTS = {
    "Innenstadt": ("12101", "12103", "12105"),
    "Nordstadt": ("12301", "12305", "12307"),
    "Oststadt": ("12401", "12403", "12409"),
    "Südstadt": ("12501", "12504", "12507"),
    "Weststadt": ("12601", "12603", "12608"),
}

# (kind, name, mail domain). Only example.org and its subdomains are ever used.
EMPLOYERS = (
    (EmployerKind.LAND, "Land Nordrhein-Westfalen", "schule.nrw.example.org"),
    (EmployerKind.KOMMUNE, "Stadt Musterstadt", "musterstadt.example.org"),
    (EmployerKind.FREIER_TRAEGER, "AWO Musterstadt", "awo-musterstadt.example.org"),
    (EmployerKind.FREIER_TRAEGER, "Caritasverband Musterstadt", "caritas-musterstadt.example.org"),
    (EmployerKind.FREIER_TRAEGER, "Diakonie Musterstadt", "diakonie-musterstadt.example.org"),
    (EmployerKind.FREIER_TRAEGER, "Internationaler Bund", "ib-musterstadt.example.org"),
)

FIRST_NAMES = _words(
    """
    Anna, Julia, Laura, Sarah, Lisa, Katharina, Christina, Sandra, Nicole, Stefanie, Melanie,
    Jennifer, Sabine, Claudia, Andrea, Petra, Kerstin, Birgit, Susanne, Anja, Miriam, Johanna,
    Franziska, Lena, Hannah, Lea, Marie, Sophie, Carolin, Nadine, Tanja, Daniela, Simone, Ayşe,
    Elif, Fatma, Zeynep, Natalia, Olga, Agnieszka, Ines, Jana, Verena, Ulrike, Friederike,
    Annika, Svenja, Britta, Silke, Heike, Thomas, Michael, Andreas, Stefan, Markus, Christian,
    Daniel, Tobias, Jan, Sebastian, Florian, Matthias, Jörg, Frank, Timo, Mehmet, Murat, Ali,
    Lukas, Jonas, Benedikt, Philipp, Dennis, Kai, Ralf
    """
)

LAST_NAMES = _words(
    """
    Müller, Schmidt, Schneider, Fischer, Weber, Meyer, Wagner, Becker, Schulz, Hoffmann,
    Schäfer, Koch, Bauer, Richter, Klein, Wolf, Schröder, Neumann, Schwarz, Zimmermann, Braun,
    Krüger, Hofmann, Hartmann, Lange, Schmitt, Werner, Schmitz, Krause, Meier, Lehmann, Schmid,
    Schulze, Maier, Köhler, Herrmann, König, Walter, Mayer, Huber, Kaiser, Fuchs, Peters, Lang,
    Scholz, Möller, Weiß, Jung, Hahn, Schubert, Vogel, Friedrich, Keller, Günther, Frank,
    Berger, Winkler, Roth, Beck, Lorenz, Baumann, Franke, Albrecht, Schuster, Simon, Ludwig,
    Böhm, Winter, Kraus, Martin, Schumacher, Krämer, Vogt, Stein, Jäger, Otto, Sommer, Groß,
    Seidel, Heinrich, Brandt, Haas, Schreiber, Graf, Dietrich, Ziegler, Kuhn, Kühn, Pohl, Engel,
    Horn, Busch, Bergmann, Thomas, Voigt, Sauer, Arnold, Wolff, Pfeiffer, Yılmaz, Kaya, Demir,
    Şahin, Nowak, Kowalski, Popović, Brinkmann, Overbeck, Terhorst, Kötter, Hülsmann
    """
)

STREETS = _words(
    """
    Lindenstraße, Schulstraße, Goethestraße, Kastanienallee, Mühlenweg, Bahnhofstraße,
    Gartenstraße, Birkenweg, Ringstraße, Parkstraße, Bergstraße, Wiesenweg, Buchenallee,
    Feldstraße, Rosenstraße, Ahornweg, Eichendorffstraße, Schillerstraße, Uhlandstraße,
    Mozartstraße, Amselweg, Lerchenfeld, Brunnenstraße, Marktstraße, Wilhelmstraße,
    Marienstraße, Am Stadtgarten, Kirchplatz, Hansaring, Weberstraße, Zechenstraße, An der Aue
    """
)

# "Grundschule am Lindenplatz": places a school is named after.
PLACES = _words(
    """
    am Lindenplatz, am Stadtpark, an der Mühle, am Wiesengrund, im Rosengarten, am Kastanienweg,
    an der Kirchwiese, am Sonnenhang, am Eichenwald, an der Bleiche, am Schlosspark, am Markt,
    an der Wasserburg, am Birkenhain, an der Aue, am Brunnen, im Grünen Winkel, am Hellweg, an
    der Zeche, am Kanal
    """
)

# "Erich-Kästner-Schule": people schools are commonly named after.
NAMESAKES = _words(
    """
    Astrid-Lindgren, Erich-Kästner, Anne-Frank, Geschwister-Scholl, Marie-Curie,
    Albert-Schweitzer, Janusz-Korczak, Heinrich-Heine, Käthe-Kollwitz, Friedrich-Ebert, Paul-Klee,
    Otfried-Preußler, Michael-Ende, Alexander-von-Humboldt, Hildegard-von-Bingen, Theodor-Heuss,
    Bertha-von-Suttner, Lise-Meitner, Annette-von-Droste-Hülshoff, Wilhelm-Busch, Willy-Brandt,
    Nelly-Sachs, Max-Planck, Elisabeth-Selbert, Hans-Christian-Andersen
    """
)

BERUFSKOLLEG_FIELDS = _words(
    """
    für Technik, für Wirtschaft und Verwaltung, für Gesundheit und Soziales, für Gestaltung,
    Ernährung und Hauswirtschaft
    """
)

# Name patterns per Schulform; {place}, {person}, {district} are filled from the lists above.
SCHOOL_NAME_PATTERNS = {
    SchoolForm.GRUNDSCHULE: (
        "Grundschule {place}",
        "Gemeinschaftsgrundschule {place}",
        "{person}-Grundschule",
        "Katholische Grundschule {place}",
    ),
    SchoolForm.HAUPTSCHULE: ("Hauptschule {place}", "{person}-Hauptschule"),
    SchoolForm.REALSCHULE: ("Realschule {place}", "{person}-Realschule"),
    SchoolForm.SEKUNDARSCHULE: ("Sekundarschule {district}", "{person}-Sekundarschule"),
    SchoolForm.GESAMTSCHULE: ("Gesamtschule {district}", "{person}-Gesamtschule"),
    SchoolForm.GYMNASIUM: ("{person}-Gymnasium", "Städtisches Gymnasium {place}"),
    SchoolForm.FOERDERSCHULE: ("Förderschule {place}", "{person}-Schule, Förderschule"),
    SchoolForm.BERUFSKOLLEG: ("Berufskolleg {field}", "{person}-Berufskolleg"),
}

# Schools per Schulform in a network of scale 1 (40 schools, as in a mid-sized city).
SCHOOLS_PER_FORM = {
    SchoolForm.GRUNDSCHULE: 18,
    SchoolForm.HAUPTSCHULE: 2,
    SchoolForm.REALSCHULE: 3,
    SchoolForm.SEKUNDARSCHULE: 2,
    SchoolForm.GESAMTSCHULE: 5,
    SchoolForm.GYMNASIUM: 5,
    SchoolForm.FOERDERSCHULE: 3,
    SchoolForm.BERUFSKOLLEG: 2,
}

MEMBER_NOTES = (
    "Elternzeit bis zum Ende des Schuljahres.",
    "Möchte im Qualitätszirkel Grundschule mitarbeiten.",
    "Ansprechperson für Übergänge Kita – Grundschule.",
    "Teilzeit (19,5 Stunden), dienstags nicht erreichbar.",
    "Hat beim Fachtag einen Workshop zu Kinderschutz angeboten.",
)
