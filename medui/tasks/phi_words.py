"""Word lists of the identifier gate (medui/tasks/phi.py): common Italian first names, number words, and the
clinical and function words that rule a candidate name or street out. Lower case; compare with casefold()."""

from __future__ import annotations


def word_set(text: str) -> frozenset[str]:
    """The whitespace-separated words of a block of text."""
    return frozenset(text.split())


# Common Italian first names, both sexes (a hand-made list, not exhaustive). Names that are also ordinary words
# (Bianca, Rosa, Serena, Vera, Norma, Franco, Santo, Stella, ...) or places (Emilia, Marina, Alba) are left out:
# a capitalised ordinary word beside a surname-shaped word would be read as a person.
FIRST_NAMES = word_set(
    """
    adele adriana adriano agnese agostino alberto alessandra alessandro alessia alessio alfredo alice
    alida amalia ambra amedeo andrea angela angelo anna annalisa antonella antonietta antonio armando arianna
    arturo assunta aurora barbara beatrice benedetta benito bernardo bruna bruno camilla carla carlo carmela
    carmelo carmine caterina cesare chiara christian cinzia claudia claudio clara concetta corrado cosimo
    cristian cristiano cristina daniela daniele dario davide debora denis denise diego domenico donatella
    edoardo elena eleonora elia elisa elisabetta emanuela emanuele emilio emma enrica enrico enzo
    erika ernesto ettore eugenio fabio fabiola fabrizio federica federico filippo fiorella flavia flavio
    francesca francesco franca gabriele gabriella gaetano gennaro giacomo gianluca gianni giada gianfranco
    giancarlo giorgia giorgio giovanna giovanni giulia giuliana giuliano giulio giuseppe giuseppina
    gloria graziella gregorio guido ida ignazio ilaria ilario immacolata ines irene iolanda isabella ivan
    ivana ivo jacopo lara laura lea leonardo letizia lidia liliana lina lino lisa livio loredana lorella
    lorena lorenzo luana luca lucia luciana luciano lucio luigi luigia luisa mafalda manuela manuel marcella
    marcello marco margherita maria mariangela marianna mariano marilena mario marisa marta martina
    massimiliano massimo matilde matteo mattia maurizio mauro michela michele milena mirella mirko monica
    nadia nazzareno nicola nicoletta nicolò noemi orazio oreste orlando ottavio paola paolo pasquale
    patrizia patrizio pierluigi piero pietro pina raffaele raffaella renato renata riccardo rita roberta
    roberto rocco romano romina rosalba rosanna rosaria rosario rossana rosella ruggero sabrina salvatore
    samuele sandra sandro sara sergio silvana silvano silvia simona simone sofia stefania stefano susanna
    tania teresa tiziana tiziano tommaso ugo umberto valentina valentino valeria valerio vanessa vincenza
    vincenzo viola virginia vito vittoria vittorio walter wanda
    """
)

# number words of a day of the month, longest first (so "ventuno" is not read as "venti")
_DAYS = word_set(
    """
    primo uno due tre quattro cinque sei sette otto nove dieci undici dodici tredici quattordici quindici
    sedici diciassette diciotto diciannove venti ventuno ventidue ventitré ventitre ventiquattro
    venticinque ventisei ventisette ventotto ventinove trenta trentuno
    """
)
DAY_WORDS = tuple(sorted(_DAYS, key=lambda w: (-len(w), w)))

# words that can follow a title without being a name (the title is a role, or the sentence goes on)
NOT_NAMES = word_set(
    """
    medico medici specialista specializzando responsabile direttore primario curante reparto paziente pronto
    soccorso ospedale clinica ordinario associato emerito di guardia turno reperibile il la lo le gli i un
    una uno in di da del della dei degli dal dalla per con su tra fra e ed o che ha hanno è era sono si non
    ne ci mi ti vi lui lei loro anche come presso al alla ai alle quale stesso stessa suddetto suddetta
    sopra predetto predetta detto detta referente firmatario sottoscritto sottoscritta titolare incaricato
    riferisce riferito dichiara accompagnato accompagnata visitato visitata ricoverato ricoverata
    """
)

# capitalised words that are not surnames beside a first name (clinical headings, places, institutions)
NOT_SURNAMES = word_set(
    """
    paziente pazienti terapia diagnosi anamnesi esame esami obiettivo reparto ospedale policlinico presidio
    clinica istituto fondazione azienda asl ausl università via viale piazza corso san santa santo sant
    pronto soccorso medicina chirurgia cardiologia neurologia pediatria ortopedia urologia oncologia
    ginecologia ostetricia nefrologia pneumologia radiologia laboratorio dott dottor dottoressa prof sig
    signor signora nuova vecchia nato nata data anni età sesso maschio femmina uomo donna referto lettera
    dimissione ricovero ambulatorio visita controllo consulenza firma firmato note allergie ecg rx tc rm papa dr avv
    beato beata
    """
)

# lower-case words that, after via/piazza, make a route of administration or an idiom, not a street
NOT_STREETS = word_set(
    """
    orale orali os endovenosa endovenoso ev e.v. sottocutanea sottocute sc s.c. intramuscolare im i.m.
    rettale sublinguale inalatoria inalatorio transdermica topica topico cutanea nasale parenterale enterale
    intravenosa intratecale epidurale aerea aeree biliare biliari urinaria urinarie precauzionale
    somministrazione accesso venosa arteriosa femorale radiale centrale periferica periferico breve
    eccezionale provvisoria sperimentale preferenziale d'accesso d'urgenza telefonica telematica mail
    posta riservata libera secondaria principale ottica piramidale extrapiramidale nervosa laparoscopica
    laparotomica endoscopica percutanea transfemorale transradiale vaginale addominale toracoscopica artroscopica
    chirurgica retrograda anterograda naturale
    """
)
