"""Sample drug-leaflet passages written for the project (generic drugs, no real leaflet copied, no patient data).

NER passages mark each mention inline as {mention|L}, L one of F (FARMACO), M (MALATTIA), S (SINTOMO),
A (PARTE_ANATOMICA); drug_leaflets.py strips the marks and computes the offsets. QA passages carry their
questions with answers that occur verbatim in the passage. Each drug belongs to one split only.
"""

from __future__ import annotations

# (drug, section, marked text); drugs listed in NER_TRAIN_DRUGS go to train, the others to test
NER_PASSAGES: list[tuple[str, str, str]] = [
    (
        "paracetamolo",
        "A cosa serve",
        "{Paracetamolo|F} 500 mg compresse contiene il principio attivo {paracetamolo|F}, che riduce la "
        "{febbre|S} e allevia il {dolore|S}. È indicato negli adulti e negli adolescenti per il trattamento "
        "sintomatico di {mal di testa|S}, {mal di denti|S}, {dolori mestruali|S}, {dolori muscolari|S} e "
        "{dolori articolari|S}, e per la {febbre|S} associata a {influenza|M} e {raffreddore|M}.",
    ),
    (
        "paracetamolo",
        "Avvertenze e precauzioni",
        "Si rivolga al medico o al farmacista prima di prendere questo medicinale se soffre di "
        "{insufficienza epatica|M} o di {insufficienza renale|M}, se beve regolarmente alcolici o se è in "
        "stato di {malnutrizione|M}. Dosi elevate o prolungate di {paracetamolo|F} possono causare gravi danni "
        "al {fegato|A}. Non assuma contemporaneamente altri medicinali che contengono {paracetamolo|F}. Se la "
        "{febbre|S} dura più di 3 giorni o il {dolore|S} più di 5 giorni, consulti il medico.",
    ),
    (
        "paracetamolo",
        "Possibili effetti indesiderati",
        "Come tutti i medicinali, questo medicinale può causare effetti indesiderati, sebbene non tutte le "
        "persone li manifestino. Raramente possono comparire {reazioni allergiche|M} con {eruzione cutanea|S}, "
        "{orticaria|S} e {prurito|S}. Molto raramente sono stati segnalati {angioedema|S}, alterazioni della "
        "funzionalità del {fegato|A}, {trombocitopenia|M} e gravi reazioni della {pelle|A}. Se nota "
        "{gonfiore|S} del {viso|A} o {difficoltà a respirare|S}, interrompa il trattamento e contatti subito "
        "il medico.",
    ),
    (
        "ibuprofene",
        "A cosa serve",
        "{Ibuprofene|F} 400 mg appartiene al gruppo dei {farmaci antinfiammatori non steroidei|F} ({FANS|F}). "
        "Si usa per il trattamento di {dolori|S} di varia origine, come {cefalea|S}, {mal di denti|S}, "
        "{dismenorrea|S} e {dolori muscolari|S}, e per ridurre la {febbre|S}. Può essere usato anche negli "
        "stati dolorosi e infiammatori dell'{artrite reumatoide|M} e dell'{artrosi|M}.",
    ),
    (
        "ibuprofene",
        "Avvertenze e precauzioni",
        "Non prenda {ibuprofene|F} se ha avuto in passato {ulcera peptica|M} o {emorragia gastrointestinale|S}, "
        "se soffre di {insufficienza cardiaca|M} grave o se è allergico all'{acido acetilsalicilico|F} o ad "
        "altri {FANS|F}. Usi cautela in caso di {asma|M}, {ipertensione|M} o {insufficienza renale|M}. Gli "
        "effetti indesiderati possono essere ridotti usando la dose minima efficace per il periodo più breve "
        "possibile.",
    ),
    (
        "ibuprofene",
        "Possibili effetti indesiderati",
        "Gli effetti indesiderati più comuni riguardano lo {stomaco|A} e l'{intestino|A}: {nausea|S}, "
        "{vomito|S}, {diarrea|S}, {dolore addominale|S} e {bruciore di stomaco|S}. Meno comunemente possono "
        "comparire {eruzioni cutanee|S}. Interrompa il trattamento e si rivolga al medico se nota {feci nere|S} "
        "o {vomito con sangue|S}, possibili segni di {sanguinamento|S} nello {stomaco|A}.",
    ),
    (
        "amoxicillina",
        "A cosa serve",
        "{Amoxicillina|F} è un {antibiotico|F} della famiglia delle {penicilline|F}. Si usa per trattare "
        "{infezioni batteriche|M} in diverse parti del corpo, tra cui le {infezioni dell'orecchio medio|M}, la "
        "{tonsillite|M}, la {sinusite|M}, la {polmonite|M} e le {infezioni delle vie urinarie|M}. Può essere "
        "usata anche, insieme ad altri medicinali, per eliminare l'{infezione da Helicobacter pylori|M} nei "
        "pazienti con {ulcera gastrica|M}.",
    ),
    (
        "amoxicillina",
        "Avvertenze e precauzioni",
        "Non prenda {amoxicillina|F} se è allergico alle {penicilline|F} o alle {cefalosporine|F}. Informi il "
        "medico se ha la {mononucleosi infettiva|M}, perché in questo caso aumenta il rischio di "
        "{eruzione cutanea|S}, o se ha problemi ai {reni|A}. Se durante o dopo il trattamento compare "
        "{diarrea|S} grave o persistente, con {crampi addominali|S} o {sangue nelle feci|S}, contatti subito il "
        "medico: può trattarsi di {colite|M}.",
    ),
    (
        "amoxicillina",
        "Come prendere questo medicinale",
        "La dose abituale di {amoxicillina|F} per gli adulti è di 500 mg tre volte al giorno; nelle infezioni "
        "gravi il medico può aumentarla fino a 1 g tre volte al giorno. Nei bambini di peso inferiore a 40 kg "
        "la dose si calcola in base al peso corporeo. Nei pazienti con {insufficienza renale|M} grave la dose "
        "deve essere ridotta. Le compresse vanno deglutite intere con un bicchiere d'acqua, all'inizio dei "
        "pasti, per ridurre il rischio di {disturbi di stomaco|S}. Continui a prendere l'{antibiotico|F} per "
        "tutta la durata prescritta, anche se la {febbre|S} è scomparsa.",
    ),
    (
        "omeprazolo",
        "A cosa serve",
        "{Omeprazolo|F} appartiene al gruppo degli {inibitori della pompa protonica|F}: riduce la quantità di "
        "acido prodotta dallo {stomaco|A}. Si usa negli adulti per trattare la "
        "{malattia da reflusso gastroesofageo|M}, in cui l'acido risale nell'{esofago|A} causando {bruciore|S} "
        "e {rigurgito acido|S}, le {ulcere duodenali|M} e le {ulcere gastriche|M}, e per prevenire le "
        "{ulcere|M} causate dai {FANS|F}.",
    ),
    (
        "omeprazolo",
        "Avvertenze e precauzioni",
        "Prima di prendere {omeprazolo|F} si rivolga al medico se ha {perdita di peso|S} inspiegabile, "
        "{difficoltà a deglutire|S}, {vomito|S} ripetuto o {feci nere|S}: il medico potrebbe voler escludere "
        "malattie più gravi. L'uso per più di un anno può aumentare leggermente il rischio di {fratture|M} "
        "dell'{anca|A}, del {polso|A} e della {colonna vertebrale|A}, soprattutto in chi soffre di "
        "{osteoporosi|M}.",
    ),
    (
        "omeprazolo",
        "Possibili effetti indesiderati",
        "Effetti indesiderati comuni (possono interessare fino a 1 persona su 10): {mal di testa|S}, "
        "{dolore addominale|S}, {stitichezza|S}, {diarrea|S}, {nausea|S} e {vomito|S}, {polipi benigni|M} "
        "dello {stomaco|A}. Non comuni: {gonfiore|S} dei {piedi|A} e delle {caviglie|A}, "
        "{disturbi del sonno|S}. Se i sintomi persistono o peggiorano, ne parli con il medico.",
    ),
    (
        "metformina",
        "A cosa serve",
        "{Metformina|F} si usa per il trattamento del {diabete mellito di tipo 2|M} negli adulti e nei bambini "
        "dai 10 anni di età, quando la dieta e l'esercizio fisico da soli non bastano a controllare la "
        "glicemia. Riduce la produzione di zucchero da parte del {fegato|A} e ne migliora l'utilizzo da parte "
        "dei {muscoli|A}. Negli adulti in sovrappeso l'uso prolungato riduce il rischio di complicanze del "
        "{diabete|M}.",
    ),
    (
        "metformina",
        "Avvertenze e precauzioni",
        "{Metformina|F} può causare raramente una complicanza molto grave, l'{acidosi lattica|M}, soprattutto "
        "se i {reni|A} non funzionano bene. Interrompa il medicinale e contatti subito il medico se compaiono "
        "{vomito|S}, {dolore addominale|S}, {crampi muscolari|S}, {stanchezza|S} intensa o "
        "{difficoltà a respirare|S}. Sospenda temporaneamente il trattamento prima di un intervento chirurgico "
        "importante.",
    ),
    (
        "metformina",
        "Possibili effetti indesiderati",
        "Effetti indesiderati molto comuni sono i {disturbi digestivi|S}, come {nausea|S}, {vomito|S}, "
        "{diarrea|S}, {mal di pancia|S} e {perdita di appetito|S}: compaiono soprattutto all'inizio della "
        "terapia e di solito scompaiono spontaneamente. Assumere {metformina|F} durante o dopo i pasti aiuta a "
        "ridurli. È comune anche un'{alterazione del gusto|S}. L'uso prolungato può ridurre i livelli di "
        "vitamina B12 e favorire l'{anemia|M}.",
    ),
    (
        "ramipril",
        "A cosa serve",
        "{Ramipril|F} appartiene al gruppo degli {ACE-inibitori|F}. Si usa per trattare la {pressione alta|M} "
        "({ipertensione|M}), per ridurre il rischio di {infarto|M} e {ictus|M} nelle persone ad alto rischio "
        "cardiovascolare, per proteggere i {reni|A} nei pazienti con {nefropatia diabetica|M} e per trattare "
        "l'{insufficienza cardiaca|M}. Si usa inoltre dopo un {infarto del miocardio|M} complicato da "
        "{insufficienza cardiaca|M}.",
    ),
    (
        "ramipril",
        "Avvertenze e precauzioni",
        "Non prenda {ramipril|F} se in passato ha avuto {angioedema|S}, cioè {gonfiore|S} rapido del {viso|A}, "
        "delle {labbra|A}, della {lingua|A} o della {gola|A} con {difficoltà a deglutire|S}. Il medico "
        "controllerà la funzionalità dei {reni|A} e i livelli di potassio. Informi il medico se ha perso molti "
        "liquidi, perché la {disidratazione|M} può causare {ipotensione|S}.",
    ),
    (
        "ramipril",
        "Possibili effetti indesiderati",
        "Effetti indesiderati comuni: {tosse secca|S}, {mal di testa|S}, {capogiri|S}, {stanchezza|S} e "
        "{pressione bassa|S}, soprattutto all'inizio del trattamento o quando si aumenta la dose. Possono "
        "comparire anche {nausea|S}, {diarrea|S}, {eruzione cutanea|S} e {crampi muscolari|S}. Se la "
        "{tosse|S} diventa fastidiosa ne parli con il medico, che potrà sostituire {ramipril|F} con un altro "
        "medicinale.",
    ),
    (
        "atorvastatina",
        "A cosa serve",
        "{Atorvastatina|F} appartiene a un gruppo di medicinali chiamati {statine|F}, che regolano i lipidi. "
        "Si usa per ridurre il colesterolo e i trigliceridi nel sangue quando la dieta e l'attività fisica non "
        "bastano, ad esempio nell'{ipercolesterolemia|M} primaria e nell'{iperlipidemia mista|M}. Si usa anche "
        "per ridurre il rischio di {infarto|M} e {ictus|M} in persone con più fattori di rischio, come "
        "{diabete|M} o {ipertensione|M}.",
    ),
    (
        "atorvastatina",
        "Avvertenze e precauzioni",
        "Informi il medico prima di prendere {atorvastatina|F} se ha avuto in passato {problemi muscolari|S} "
        "con altre {statine|F}, se ha {ipotiroidismo|M}, una {malattia epatica|M} o beve grandi quantità di "
        "alcol. Contatti subito il medico se compaiono {dolori muscolari|S}, {debolezza muscolare|S} o "
        "{crampi|S} senza una causa evidente, soprattutto se accompagnati da {febbre|S} e {malessere|S}: "
        "raramente possono essere segno di {rabdomiolisi|M}, un grave danno dei {muscoli|A}.",
    ),
    (
        "atorvastatina",
        "Altri medicinali",
        "Alcuni medicinali possono aumentare il rischio di {problemi muscolari|S} se usati insieme ad "
        "{atorvastatina|F}: ad esempio alcuni {antibiotici|F} come la {claritromicina|F}, gli {antifungini|F} "
        "come l'{itraconazolo|F}, la {ciclosporina|F} e alcuni medicinali per l'{infezione da HIV|M}. Eviti di "
        "bere grandi quantità di succo di pompelmo. Informi il medico se sta assumendo {warfarin|F} o altri "
        "{anticoagulanti|F}, perché potrebbero essere necessari controlli più frequenti.",
    ),
    (
        "cetirizina",
        "A cosa serve",
        "{Cetirizina dicloridrato|F} è un {antistaminico|F}. Negli adulti e nei bambini dai 6 anni si usa per "
        "alleviare i sintomi della {rinite allergica|M} stagionale e perenne, come {starnuti|S}, "
        "{naso che cola|S}, {prurito|S} al {naso|A} e agli {occhi|A}, {lacrimazione|S}, e per il trattamento "
        "dell'{orticaria cronica|M}.",
    ),
    (
        "cetirizina",
        "Avvertenze e precauzioni",
        "Non prenda {cetirizina|F} se ha una grave {insufficienza renale|M}. Usi cautela se soffre di "
        "{epilessia|M} o di {difficoltà a urinare|S} dovute a {ipertrofia prostatica|M}, perché il medicinale "
        "può peggiorare la {ritenzione urinaria|S}. Eviti di associare alcol. Sospenda il trattamento tre "
        "giorni prima dei test cutanei per l'{allergia|M}, perché il medicinale ne altera il risultato.",
    ),
    (
        "cetirizina",
        "Possibili effetti indesiderati",
        "Effetti indesiderati comuni: {sonnolenza|S}, {stanchezza|S}, {mal di testa|S}, {capogiri|S}, "
        "{secchezza della bocca|S}, {mal di gola|S} e {nausea|S}. Nei bambini possono comparire anche "
        "{diarrea|S} e {raffreddore|M}. Raramente si osservano {battito cardiaco accelerato|S} e {gonfiore|S} "
        "dovuto a ritenzione di liquidi. Se avverte {sonnolenza|S}, non guidi e non usi macchinari.",
    ),
    (
        "ketoprofene",
        "A cosa serve",
        "{Ketoprofene sale di lisina|F} è un {antinfiammatorio non steroideo|F} con azione analgesica. Si usa "
        "per il trattamento di breve durata di {dolori|S} di diversa origine: {dolori articolari|S} e "
        "{dolori muscolari|S}, {mal di schiena|S}, {mal di denti|S}, {dolori mestruali|S} e {dolore|S} dopo "
        "piccoli interventi chirurgici. Si usa anche negli episodi acuti di {artrite reumatoide|M} e di "
        "{gotta|M}.",
    ),
    (
        "ketoprofene",
        "Avvertenze e precauzioni",
        "Non prenda {ketoprofene|F} negli ultimi tre mesi di gravidanza né se ha sofferto di "
        "{ulcera peptica|M}, {sanguinamento|S} o {perforazione|M} dello {stomaco|A} o dell'{intestino|A}. "
        "Informi il medico se soffre di {asma|M}, {colite ulcerosa|M} o {morbo di Crohn|M}, {ipertensione|M} "
        "non controllata o {scompenso cardiaco|M}. Durante il trattamento eviti di esporre la {pelle|A} al "
        "sole.",
    ),
    (
        "ketoprofene",
        "Possibili effetti indesiderati",
        "I disturbi più frequenti interessano l'{apparato digerente|A}: {dispepsia|S}, {nausea|S}, "
        "{dolore addominale|S} e {vomito|S}. Meno spesso compaiono {mal di testa|S} ed {eruzioni cutanee|S} "
        "con {prurito|S}. Sono state segnalate reazioni di {fotosensibilità|S} della {pelle|A} esposta al "
        "sole. Se nota {feci nere|S} o {sangue nel vomito|S}, smetta di prendere il medicinale e contatti il "
        "medico.",
    ),
    (
        "warfarin",
        "A cosa serve",
        "{Warfarin sodico|F} è un {anticoagulante orale|F}: rende il sangue meno capace di coagulare. Si usa "
        "per prevenire e trattare la {trombosi venosa profonda|M} e l'{embolia polmonare|M}, e per prevenire "
        "l'{ictus|M} nei pazienti con {fibrillazione atriale|M} o portatori di protesi valvolari cardiache. La "
        "dose è personalizzata in base ai valori dell'INR, un esame che misura il tempo di coagulazione.",
    ),
    (
        "warfarin",
        "Avvertenze e precauzioni",
        "Durante la terapia con {warfarin|F} deve controllare regolarmente l'INR con un esame del sangue. "
        "Contatti subito il medico se nota {sanguinamento|S} dalle {gengive|A}, {sangue nelle urine|S}, "
        "{feci nere|S}, {lividi|S} estesi senza motivo o {mal di testa|S} forte e improvviso. Non inizi né "
        "sospenda altri medicinali, compresi {antibiotici|F}, {antinfiammatori|F} e prodotti a base di "
        "{erba di San Giovanni|F}, senza avvisare il medico.",
    ),
    (
        "warfarin",
        "Altri medicinali e alimenti",
        "Molti medicinali modificano l'effetto di {warfarin|F}. Aumentano il rischio di {emorragie|S} "
        "l'{acido acetilsalicilico|F}, i {FANS|F} come l'{ibuprofene|F}, alcuni {antibiotici|F} e "
        "l'{amiodarone|F}; ne riducono invece l'efficacia la {rifampicina|F} e la {carbamazepina|F}. Anche la "
        "dieta conta: cambi improvvisi nel consumo di verdure a foglia verde, ricche di vitamina K, possono "
        "alterare l'INR.",
    ),
    (
        "levotiroxina",
        "A cosa serve",
        "{Levotiroxina sodica|F} è una forma sintetica dell'ormone prodotto dalla {tiroide|A}. Si usa per "
        "sostituire l'ormone mancante nell'{ipotiroidismo|M}, per prevenire la ricomparsa del {gozzo|M} dopo "
        "l'intervento chirurgico e, insieme ai {farmaci antitiroidei|F}, nel trattamento "
        "dell'{ipertiroidismo|M}. Si usa anche dopo l'asportazione della {tiroide|A} per un "
        "{tumore della tiroide|M}.",
    ),
    (
        "levotiroxina",
        "Come prendere questo medicinale",
        "La dose di {levotiroxina|F} è stabilita dal medico in base agli esami del sangue e viene aumentata "
        "gradualmente. Prenda la compressa al mattino a digiuno, con mezzo bicchiere d'acqua, almeno mezz'ora "
        "prima della colazione. Negli anziani e nei pazienti con {malattie cardiache|M}, come "
        "l'{angina pectoris|M}, si inizia con dosi basse. Se compaiono {palpitazioni|S}, {tremori|S}, "
        "{insonnia|S} o {sudorazione eccessiva|S}, la dose potrebbe essere troppo alta.",
    ),
    (
        "levotiroxina",
        "Altri medicinali",
        "Alcuni medicinali riducono l'assorbimento di {levotiroxina|F} se assunti nello stesso momento: "
        "{antiacidi|F} contenenti alluminio o magnesio, integratori di {ferro|F} o {calcio|F}, "
        "{colestiramina|F} e {inibitori della pompa protonica|F}. Li assuma ad almeno quattro ore di distanza. "
        "Nei pazienti con {diabete|M} la {levotiroxina|F} può aumentare il fabbisogno di {insulina|F} o di "
        "{antidiabetici orali|F}: controlli con attenzione la glicemia.",
    ),
    (
        "amlodipina",
        "A cosa serve",
        "{Amlodipina|F} appartiene a un gruppo di medicinali chiamati {calcio-antagonisti|F}. Si usa per "
        "trattare la {pressione arteriosa alta|M} ({ipertensione|M}) e un tipo di {dolore al petto|S} chiamato "
        "{angina pectoris|M}, inclusa l'{angina vasospastica|M}. Rilassa i {vasi sanguigni|A}, così il sangue "
        "li attraversa più facilmente, e migliora l'afflusso di sangue al {cuore|A}.",
    ),
    (
        "amlodipina",
        "Avvertenze e precauzioni",
        "Si rivolga al medico prima di prendere {amlodipina|F} se ha avuto di recente un {infarto|M}, se "
        "soffre di {insufficienza cardiaca|M} o di una grave {malattia epatica|M}, o se ha più di 65 anni, "
        "perché potrebbe essere necessario modificare la dose. Non usi il medicinale in caso di "
        "{ipotensione|S} grave o di {shock cardiogeno|M}. Il succo di pompelmo può aumentare i livelli di "
        "{amlodipina|F} nel sangue.",
    ),
    (
        "amlodipina",
        "Possibili effetti indesiderati",
        "Effetto indesiderato molto comune è l'{edema|S}, cioè il {gonfiore|S} delle {caviglie|A}. Sono comuni "
        "anche {mal di testa|S}, {sonnolenza|S}, {palpitazioni|S}, {vampate di calore|S}, "
        "{dolore addominale|S}, {nausea|S} e {disturbi della vista|S}. Se compaiono {dolore al petto|S} "
        "intenso o un {battito irregolare|S}, si rivolga subito al medico.",
    ),
    (
        "salbutamolo",
        "A cosa serve",
        "{Salbutamolo|F} spray per inalazione è un {broncodilatatore|F}: rilassa la muscolatura dei "
        "{bronchi|A} e facilita il passaggio dell'aria nei {polmoni|A}. Si usa per il sollievo rapido del "
        "{respiro sibilante|S} e della {mancanza di fiato|S} nell'{asma|M} e nella "
        "{broncopneumopatia cronica ostruttiva|M} ({BPCO|M}), e per prevenire il {broncospasmo|S} causato "
        "dallo sforzo fisico.",
    ),
    (
        "salbutamolo",
        "Come usare questo medicinale",
        "Negli adulti la dose abituale è di 1 o 2 spruzzi al bisogno, fino a un massimo di 8 spruzzi nelle 24 "
        "ore. Agiti l'inalatore, espiri a fondo, stringa il boccaglio tra le {labbra|A} e inspiri lentamente "
        "mentre preme l'erogatore; trattenga il respiro per circa 10 secondi. Se ha bisogno di usare "
        "{salbutamolo|F} più spesso del solito, la sua {asma|M} potrebbe essere peggiorata: ne parli con il "
        "medico, che potrebbe aumentare la dose di {corticosteroidi inalatori|F}.",
    ),
    (
        "salbutamolo",
        "Possibili effetti indesiderati",
        "Effetti indesiderati comuni sono {tremore|S}, soprattutto delle {mani|A}, {mal di testa|S} e "
        "{tachicardia|S}. Meno spesso si possono avere {palpitazioni|S}, {crampi muscolari|S} e "
        "{irritazione|S} della {bocca|A} e della {gola|A}. Raramente dosi elevate abbassano il potassio nel "
        "sangue ({ipokaliemia|M}). Se subito dopo l'inalazione compare un improvviso {respiro sibilante|S} "
        "({broncospasmo paradosso|S}), smetta di usare l'inalatore e chiami il medico.",
    ),
    (
        "diclofenac",
        "A cosa serve",
        "{Diclofenac sodico|F} appartiene alla classe dei {FANS|F}. Le compresse gastroresistenti si usano per "
        "trattare il {dolore|S} e l'{infiammazione|S} nelle {malattie reumatiche|M} come "
        "l'{artrite reumatoide|M}, l'{artrosi|M} e la {spondilite anchilosante|M}, nelle {tendiniti|M} e nelle "
        "{borsiti|M}, nel {dolore|S} dopo traumi e interventi e nella {colica renale|S}.",
    ),
    (
        "diclofenac",
        "Avvertenze e precauzioni",
        "I medicinali come {diclofenac|F} possono essere associati a un modesto aumento del rischio di "
        "{infarto|M} o {ictus|M}, soprattutto a dosi elevate e nei trattamenti prolungati. Non superi la dose "
        "raccomandata. Informi il medico se ha {malattie cardiache|M}, {pressione alta|M}, "
        "{colesterolo alto|M} o se fuma. Gli anziani sono più esposti a {ulcere|M} e {sanguinamenti|S} dello "
        "{stomaco|A}.",
    ),
    (
        "diclofenac",
        "Possibili effetti indesiderati",
        "Effetti indesiderati comuni: {mal di testa|S}, {capogiri|S}, {nausea|S}, {vomito|S}, {diarrea|S}, "
        "{dispepsia|S}, {dolore addominale|S} e aumento degli enzimi del {fegato|A}. Raramente possono "
        "comparire {gastrite|M}, {sanguinamento gastrointestinale|S} ed {epatite|M}. Smetta di prendere il "
        "medicinale se compare un'{eruzione cutanea|S} estesa.",
    ),
    (
        "claritromicina",
        "A cosa serve",
        "{Claritromicina|F} è un {antibiotico|F} del gruppo dei {macrolidi|F}. Si usa per trattare "
        "{infezioni batteriche|M}, come {faringite|M}, {tonsillite|M}, {sinusite acuta|M}, {bronchite|M}, "
        "{polmonite|M} e {infezioni della pelle|M}. In associazione con altri medicinali si usa per eliminare "
        "l'{infezione da Helicobacter pylori|M} nei pazienti con {ulcera duodenale|M}.",
    ),
    (
        "claritromicina",
        "Avvertenze e precauzioni",
        "Informi il medico prima di prendere {claritromicina|F} se ha problemi di {fegato|A} o di {reni|A}, se "
        "soffre di {miastenia grave|M} o se ha un {battito cardiaco irregolare|S}. Come con altri "
        "{antibiotici|F}, l'uso prolungato può favorire la crescita di germi resistenti, per esempio con una "
        "{candidosi orale|M}. In caso di {diarrea|S} grave durante o dopo la terapia contatti il medico.",
    ),
    (
        "claritromicina",
        "Altri medicinali",
        "{Claritromicina|F} non deve essere assunta insieme ad alcuni medicinali, perché ne aumenta i livelli "
        "nel sangue: {simvastatina|F} e {lovastatina|F}, usate per il {colesterolo alto|M}, {ergotamina|F} per "
        "l'{emicrania|M} e {colchicina|F} per la {gotta|M}. Con {warfarin|F} aumenta il rischio di "
        "{sanguinamento|S}; con alcuni medicinali per il {cuore|A} può causare {aritmie|M}.",
    ),
    (
        "bisoprololo",
        "A cosa serve",
        "{Bisoprololo emifumarato|F} appartiene al gruppo dei {beta-bloccanti|F}: rallenta il battito del "
        "{cuore|A} e lo rende più efficiente. Si usa per trattare l'{ipertensione|M}, l'{angina pectoris|M} "
        "stabile e, insieme ad altri medicinali, l'{insufficienza cardiaca|M} cronica stabile con ridotta "
        "funzione del {ventricolo sinistro|A}.",
    ),
    (
        "bisoprololo",
        "Avvertenze e precauzioni",
        "Non interrompa bruscamente il trattamento con {bisoprololo|F}: l'{angina|M} potrebbe peggiorare. "
        "Informi il medico se soffre di {asma|M} o di altre malattie dei {polmoni|A}, di {diabete|M} (il "
        "medicinale può mascherare i segni di {ipoglicemia|S}, come il {battito accelerato|S}), di "
        "{psoriasi|M} o di {disturbi della circolazione|S} alle {mani|A} e ai {piedi|A}, come la "
        "{sindrome di Raynaud|M}.",
    ),
    (
        "bisoprololo",
        "Possibili effetti indesiderati",
        "Effetti indesiderati comuni: {stanchezza|S}, {capogiri|S}, {sensazione di freddo|S} o {formicolio|S} "
        "alle {mani|A} e ai {piedi|A}, {nausea|S}. Non comuni: {disturbi del sonno|S}, {depressione|M}, "
        "{battito lento|S} ({bradicardia|S}). Se si alza rapidamente dal letto o da una sedia può avvertire "
        "un {capogiro|S}.",
    ),
]

NER_TRAIN_DRUGS = (
    "paracetamolo",
    "ibuprofene",
    "amoxicillina",
    "omeprazolo",
    "metformina",
    "ramipril",
    "atorvastatina",
)

# (drug, context, [(question, answer), ...]); drugs listed in QA_TRAIN_DRUGS go to train, the others to test
QA_PASSAGES: list[tuple[str, str, list[tuple[str, str]]]] = [
    (
        "naprossene",
        "Come prendere questo medicinale. Adulti e ragazzi sopra i 16 anni: 1 compressa da 220 mg ogni 8-12 "
        "ore, secondo necessità; per la prima dose si possono prendere 2 compresse insieme. Non superi le 3 "
        "compresse nelle 24 ore. Assuma le compresse con un bicchiere d'acqua, preferibilmente a stomaco pieno, "
        "per ridurre i disturbi gastrici. Non usi il medicinale per più di 3 giorni in caso di febbre o per più "
        "di 5 giorni in caso di dolore senza consultare il medico. Negli anziani usi la dose più bassa "
        "possibile.",
        [
            ("Quante compresse si possono prendere al massimo in un giorno?", "3 compresse nelle 24 ore"),
            (
                "Per quanti giorni al massimo si può usare per il dolore senza consultare il medico?",
                "5 giorni",
            ),
        ],
    ),
    (
        "pantoprazolo",
        "Pantoprazolo 20 mg compresse gastroresistenti contiene il principio attivo pantoprazolo, un inibitore "
        "della pompa protonica che riduce la quantità di acido prodotto nello stomaco. Si usa negli adulti per "
        "il trattamento a breve termine dei sintomi da reflusso, come bruciore di stomaco e rigurgito acido. "
        "Può essere necessario prenderlo per 2-3 giorni consecutivi prima di notare un miglioramento. Se dopo 2 "
        "settimane di trattamento continuo i sintomi non migliorano, si rivolga al medico. Non prenda questo "
        "medicinale per più di 4 settimane senza consultare il medico.",
        [
            ("Qual è il principio attivo del medicinale?", "pantoprazolo"),
            ("Per quanto tempo al massimo si può prendere senza consultare il medico?", "4 settimane"),
        ],
    ),
    (
        "ciprofloxacina",
        "Prima di prendere ciprofloxacina informi il medico se ha avuto problemi ai tendini durante un "
        "precedente trattamento con antibiotici chinolonici, se soffre di epilessia o di miastenia grave, o se "
        "ha un battito cardiaco irregolare. Interrompa il trattamento e contatti il medico se avverte dolore o "
        "gonfiore a un tendine, in particolare al tendine di Achille: il rischio di tendinite e di rottura del "
        "tendine è maggiore negli anziani e in chi usa corticosteroidi. Durante la terapia eviti l'esposizione "
        "prolungata al sole e alle lampade abbronzanti, perché la pelle può diventare più sensibile alla luce.",
        [
            (
                "In chi è maggiore il rischio di rottura del tendine?",
                "negli anziani e in chi usa corticosteroidi",
            ),
            ("Quale tendine viene citato in particolare?", "tendine di Achille"),
        ],
    ),
    (
        "furosemide",
        "Furosemide è un diuretico: aumenta la quantità di urina prodotta dai reni. Possibili effetti "
        "indesiderati: perdita eccessiva di liquidi e di sali minerali, con sete, secchezza della bocca, "
        "debolezza, crampi muscolari e capogiri; calo della pressione arteriosa, soprattutto quando ci si alza "
        "in piedi; aumento dell'acido urico nel sangue, che può scatenare un attacco di gotta. Raramente possono "
        "comparire ronzii nelle orecchie o disturbi dell'udito, più spesso con dosi elevate per via endovenosa. "
        "Il medico le prescriverà esami del sangue periodici per controllare potassio e sodio.",
        [
            ("Quale malattia può essere scatenata dall'aumento dell'acido urico?", "gotta"),
            ("Che cosa controlla il medico con gli esami del sangue periodici?", "potassio e sodio"),
        ],
    ),
    (
        "enalapril",
        "Ipertensione: la dose iniziale abituale è di 5-20 mg una volta al giorno, in base all'aumento della "
        "pressione; la dose di mantenimento abituale è di 20 mg al giorno, fino a un massimo di 40 mg al giorno. "
        "Insufficienza cardiaca: si inizia con 2,5 mg una volta al giorno sotto stretto controllo medico e si "
        "aumenta gradualmente nel corso di 2-4 settimane. Nei pazienti con insufficienza renale l'intervallo "
        "tra le dosi deve essere allungato o la dose ridotta. Le compresse possono essere prese prima, durante o "
        "dopo i pasti.",
        [
            ("Qual è la dose massima giornaliera nell'ipertensione?", "40 mg al giorno"),
            ("Con quale dose si inizia nell'insufficienza cardiaca?", "2,5 mg una volta al giorno"),
        ],
    ),
    (
        "simvastatina",
        "Il rischio di disturbi muscolari aumenta se simvastatina viene presa insieme ad alcuni medicinali. Non "
        "deve prendere simvastatina con itraconazolo, ketoconazolo, posaconazolo o voriconazolo, usati contro "
        "le infezioni da funghi, con eritromicina, claritromicina o telitromicina, né con gemfibrozil o "
        "ciclosporina. Se assume amiodarone, amlodipina o diltiazem, il medico può ridurre la dose. Eviti il "
        "succo di pompelmo, che aumenta la quantità di simvastatina nel sangue. Informi il medico se prende "
        "anticoagulanti come warfarin.",
        [
            ("Quale bevanda bisogna evitare durante il trattamento?", "succo di pompelmo"),
            (
                "Con quali antibiotici non si deve prendere la simvastatina?",
                "eritromicina, claritromicina o telitromicina",
            ),
        ],
    ),
    (
        "loratadina",
        "Loratadina 10 mg compresse contiene loratadina, un antistaminico. Allevia i sintomi della rinite "
        "allergica, come starnuti, naso che cola, prurito al naso, bruciore e prurito agli occhi, e i sintomi "
        "dell'orticaria, come prurito e arrossamento della pelle. Adulti e bambini oltre i 12 anni: una "
        "compressa da 10 mg una volta al giorno. Bambini da 2 a 12 anni con peso superiore a 30 kg: 10 mg una "
        "volta al giorno. Nei pazienti con grave insufficienza epatica la dose iniziale deve essere più bassa: "
        "10 mg a giorni alterni.",
        [
            ("Qual è la dose per gli adulti?", "una compressa da 10 mg una volta al giorno"),
            ("Quale dose si usa all'inizio nella grave insufficienza epatica?", "10 mg a giorni alterni"),
        ],
    ),
    (
        "aciclovir",
        "Aciclovir 5% crema si usa per il trattamento delle infezioni da virus Herpes simplex delle labbra e del "
        "viso (herpes labiale). Applichi la crema cinque volte al giorno, circa ogni 4 ore, saltando la dose "
        "notturna. Il trattamento va iniziato il prima possibile, idealmente ai primi segni dell'infezione, "
        "quando si avvertono formicolio o prurito, e continuato per almeno 4 giorni. Se le lesioni non sono "
        "guarite dopo 10 giorni, consulti il medico. Si lavi le mani prima e dopo l'applicazione ed eviti di "
        "toccare gli occhi.",
        [
            ("Quante volte al giorno va applicata la crema?", "cinque volte al giorno"),
            ("Quando va iniziato il trattamento?", "il prima possibile"),
        ],
    ),
    (
        "fluconazolo",
        "Fluconazolo 150 mg capsule rigide appartiene al gruppo degli antimicotici. Si usa negli adulti per il "
        "trattamento della candidosi vaginale acuta e della balanite da Candida nell'uomo. Prenda una sola "
        "capsula da 150 mg, con o senza cibo. I sintomi di solito migliorano in pochi giorni; se non migliorano "
        "entro una settimana, si rivolga al medico. Prima di prendere fluconazolo informi il medico se ha "
        "problemi al fegato o ai reni o se soffre di disturbi del ritmo cardiaco. Gli effetti indesiderati più "
        "comuni sono mal di testa, dolore addominale, diarrea e nausea.",
        [
            ("Quante capsule bisogna prendere?", "una sola capsula da 150 mg"),
            (
                "Quali sono gli effetti indesiderati più comuni?",
                "mal di testa, dolore addominale, diarrea e nausea",
            ),
        ],
    ),
    (
        "allopurinolo",
        "Allopurinolo riduce la produzione di acido urico nell'organismo. Si usa per prevenire gli attacchi di "
        "gotta e i calcoli renali di acido urico, e per prevenire l'aumento dell'acido urico durante alcune "
        "terapie antitumorali. Il trattamento inizia in genere con 100 mg al giorno, poi la dose viene aumentata "
        "gradualmente. Beva molta acqua durante la terapia. Nelle prime settimane gli attacchi di gotta possono "
        "diventare più frequenti: il medico può prescriverle colchicina per prevenirli. Interrompa subito il "
        "medicinale se compare un'eruzione cutanea, perché può essere il primo segno di una reazione grave.",
        [
            ("Con quale dose inizia in genere il trattamento?", "100 mg al giorno"),
            ("Quale medicinale può prescrivere il medico per prevenire gli attacchi di gotta?", "colchicina"),
        ],
    ),
    (
        "acido acetilsalicilico",
        "Acido acetilsalicilico 500 mg compresse è indicato per il trattamento sintomatico di mal di testa, mal "
        "di denti, dolori mestruali e dolori muscolari, e per la febbre negli stati influenzali. Non deve essere "
        "dato ai bambini e ai ragazzi di età inferiore ai 16 anni, perché in caso di infezioni virali può "
        "causare la sindrome di Reye, una malattia rara ma molto grave. Non lo prenda se ha un'ulcera gastrica "
        "o duodenale in fase attiva, se soffre di emofilia o di altri disturbi della coagulazione, o negli "
        "ultimi tre mesi di gravidanza.",
        [
            (
                "A chi non deve essere dato il medicinale?",
                "ai bambini e ai ragazzi di età inferiore ai 16 anni",
            ),
            ("Quale malattia grave può causare nei bambini con infezioni virali?", "sindrome di Reye"),
        ],
    ),
    (
        "azitromicina",
        "Azitromicina 500 mg compresse rivestite con film è un antibiotico macrolide. Negli adulti si usa per "
        "infezioni delle vie respiratorie, come bronchite e polmonite lieve, per faringite, tonsillite, "
        "sinusite e otite, e per alcune infezioni della pelle. La dose abituale è di 500 mg una volta al giorno "
        "per 3 giorni consecutivi, per un totale di 1500 mg. Le compresse possono essere prese con o senza "
        "cibo. Non prenda azitromicina insieme a derivati dell'ergot, come l'ergotamina, per il rischio di "
        "reazioni gravi. Informi il medico se soffre di problemi al fegato o di aritmie.",
        [
            ("Per quanti giorni si prende la dose abituale?", "3 giorni consecutivi"),
            ("Con quali medicinali non si deve prendere l'azitromicina?", "derivati dell'ergot"),
        ],
    ),
    (
        "metoclopramide",
        "Metoclopramide si usa negli adulti per prevenire la nausea e il vomito ritardati dopo la "
        "chemioterapia, la radioterapia o un intervento chirurgico, e per il trattamento sintomatico della "
        "nausea e del vomito, compresi quelli dell'emicrania acuta. Il trattamento non deve superare i 5 "
        "giorni, perché l'uso prolungato aumenta il rischio di disturbi neurologici, come movimenti involontari "
        "del viso e della lingua (discinesia tardiva). La dose raccomandata è di 10 mg fino a tre volte al "
        "giorno; la dose massima giornaliera è di 30 mg.",
        [
            ("Per quanti giorni al massimo può durare il trattamento?", "5 giorni"),
            ("Qual è la dose massima giornaliera?", "30 mg"),
        ],
    ),
    (
        "lattulosio",
        "Lattulosio sciroppo è un lassativo osmotico: richiama acqua nell'intestino e rende le feci più "
        "morbide. Si usa per il trattamento di breve durata della stitichezza occasionale. Negli adulti la dose "
        "iniziale è di 15-45 ml al giorno, seguita da una dose di mantenimento di 15-30 ml al giorno. L'effetto "
        "può comparire dopo 2-3 giorni di trattamento. All'inizio possono comparire gonfiore addominale e "
        "flatulenza, che di solito diminuiscono nel tempo. Non usi lassativi per più di 7 giorni senza "
        "consultare il medico.",
        [
            ("Dopo quanto tempo può comparire l'effetto?", "dopo 2-3 giorni di trattamento"),
            ("Quali disturbi possono comparire all'inizio?", "gonfiore addominale e flatulenza"),
        ],
    ),
    (
        "mometasone",
        "Mometasone furoato spray nasale contiene un corticosteroide che riduce l'infiammazione del naso. Si usa "
        "negli adulti e nei bambini dai 3 anni per i sintomi della rinite allergica stagionale o perenne, come "
        "congestione nasale, starnuti, prurito e naso che cola. Adulti: 2 spruzzi in ciascuna narice una volta "
        "al giorno. Bambini da 3 a 11 anni: 1 spruzzo in ciascuna narice una volta al giorno. Nella rinite "
        "stagionale si può iniziare il trattamento 2-4 settimane prima della stagione dei pollini. Effetti "
        "indesiderati comuni sono sangue dal naso, mal di gola e mal di testa.",
        [
            (
                "Qual è la dose per i bambini da 3 a 11 anni?",
                "1 spruzzo in ciascuna narice una volta al giorno",
            ),
            (
                "Quando si può iniziare il trattamento nella rinite stagionale?",
                "2-4 settimane prima della stagione dei pollini",
            ),
        ],
    ),
    (
        "betametasone",
        "Betametasone valerato 0,1% crema è un corticosteroide per uso cutaneo. Si usa per ridurre "
        "l'infiammazione e il prurito di malattie della pelle come eczema, dermatite atopica, dermatite da "
        "contatto e psoriasi. Applichi uno strato sottile di crema sulla zona interessata una o due volte al "
        "giorno, massaggiando delicatamente. Non usi la crema sul viso per più di 5 giorni e non copra la zona "
        "trattata con bendaggi, salvo indicazione del medico. L'uso prolungato può causare assottigliamento "
        "della pelle, smagliature e dilatazione dei piccoli vasi sanguigni.",
        [
            ("Per quanti giorni al massimo si può usare la crema sul viso?", "5 giorni"),
            ("Quante volte al giorno si applica la crema?", "una o due volte al giorno"),
        ],
    ),
    (
        "tramadolo",
        "Tramadolo è un analgesico oppioide usato per il dolore da moderato a grave. Può dare dipendenza fisica "
        "e psicologica: lo usi solo per il periodo indicato dal medico. Non beva alcolici durante il "
        "trattamento. L'uso insieme a benzodiazepine o ad altri medicinali che deprimono il sistema nervoso "
        "aumenta il rischio di sonnolenza, difficoltà respiratorie e coma. Usato insieme ad alcuni "
        "antidepressivi può causare la sindrome serotoninergica, con agitazione, febbre, sudorazione e "
        "contrazioni muscolari. Effetti indesiderati molto comuni sono nausea e capogiri.",
        [
            ("Quale sindrome può comparire con alcuni antidepressivi?", "sindrome serotoninergica"),
            ("Quali sono gli effetti indesiderati molto comuni?", "nausea e capogiri"),
        ],
    ),
    (
        "sertralina",
        "Sertralina appartiene al gruppo degli inibitori selettivi della ricaptazione della serotonina (SSRI). "
        "Si usa negli adulti per trattare la depressione, il disturbo ossessivo-compulsivo, il disturbo di "
        "panico, il disturbo d'ansia sociale e il disturbo post-traumatico da stress. Il miglioramento non è "
        "immediato: possono servire da 2 a 4 settimane prima di sentirsi meglio. Non interrompa improvvisamente "
        "il trattamento, perché potrebbero comparire capogiri, formicolii, disturbi del sonno e irritabilità; "
        "il medico le indicherà come ridurre la dose gradualmente.",
        [
            ("Dopo quanto tempo ci si può aspettare un miglioramento?", "da 2 a 4 settimane"),
            (
                "A quale gruppo di medicinali appartiene?",
                "inibitori selettivi della ricaptazione della serotonina",
            ),
        ],
    ),
    (
        "prednisone",
        "Prednisone è un corticosteroide usato per trattare molte malattie infiammatorie e autoimmuni, tra cui "
        "l'asma grave, l'artrite reumatoide e alcune malattie della pelle e dell'intestino. Prenda le compresse "
        "al mattino, durante la colazione, per ridurre i disturbi di stomaco e rispettare il ritmo naturale "
        "dell'organismo. Se il trattamento dura più di qualche settimana, non lo interrompa bruscamente: la "
        "dose deve essere ridotta gradualmente secondo le indicazioni del medico. L'uso prolungato può causare "
        "aumento di peso, aumento della glicemia, pressione alta, osteoporosi e maggiore rischio di infezioni.",
        [
            ("In quale momento della giornata vanno prese le compresse?", "al mattino, durante la colazione"),
            ("Quale malattia delle ossa può causare l'uso prolungato?", "osteoporosi"),
        ],
    ),
    (
        "tamsulosina",
        "Tamsulosina 0,4 mg capsule a rilascio modificato rilassa la muscolatura della prostata e delle vie "
        "urinarie. Si usa negli uomini per i disturbi urinari dovuti all'ingrossamento benigno della prostata, "
        "come difficoltà a iniziare a urinare, getto debole e bisogno frequente di urinare. Prenda una capsula "
        "al giorno dopo la colazione o dopo il primo pasto della giornata, deglutendola intera. All'inizio può "
        "avvertire capogiri alzandosi in piedi: si sieda o si sdrai finché passano. Se deve sottoporsi a un "
        "intervento alla cataratta, informi l'oculista che sta assumendo tamsulosina.",
        [
            ("Quando va presa la capsula?", "dopo la colazione o dopo il primo pasto della giornata"),
            ("Chi va informato prima di un intervento alla cataratta?", "l'oculista"),
        ],
    ),
    (
        "clopidogrel",
        "Clopidogrel appartiene a un gruppo di medicinali chiamati antiaggreganti piastrinici: impedisce alle "
        "piastrine di aggregarsi e di formare coaguli. Si usa per prevenire infarto e ictus negli adulti che "
        "hanno avuto di recente un infarto o un ictus o che soffrono di arteriopatia periferica. La dose "
        "abituale è di una compressa da 75 mg al giorno. Poiché aumenta il rischio di sanguinamento, informi il "
        "medico o il dentista prima di un intervento chirurgico o di un'estrazione dentaria. Eviti di prendere "
        "omeprazolo o esomeprazolo insieme a clopidogrel, perché ne possono ridurre l'efficacia.",
        [
            ("Qual è la dose abituale?", "una compressa da 75 mg al giorno"),
            ("Quali medicinali possono ridurre l'efficacia di clopidogrel?", "omeprazolo o esomeprazolo"),
        ],
    ),
    (
        "doxiciclina",
        "Doxiciclina è un antibiotico del gruppo delle tetracicline. Prenda la capsula con un bicchiere pieno "
        "d'acqua, stando seduto o in piedi, e non si sdrai per almeno 30 minuti, per evitare irritazioni e "
        "ulcere dell'esofago. Non la prenda insieme a latte, latticini, antiacidi o integratori di ferro, calcio "
        "o magnesio, che ne riducono l'assorbimento. Durante la terapia eviti l'esposizione al sole, perché "
        "possono comparire reazioni di fotosensibilità. Non deve essere usata nei bambini sotto gli 8 anni, "
        "perché può macchiare in modo permanente i denti.",
        [
            ("Per quanto tempo non ci si deve sdraiare dopo aver preso la capsula?", "almeno 30 minuti"),
            ("Perché non va usata nei bambini sotto gli 8 anni?", "può macchiare in modo permanente i denti"),
        ],
    ),
    (
        "valsartan",
        "Valsartan appartiene a una classe di medicinali chiamati antagonisti del recettore dell'angiotensina "
        "II. Si usa per trattare la pressione alta negli adulti e nei bambini dai 6 anni, l'insufficienza "
        "cardiaca e, negli adulti, dopo un infarto recente. Non prenda valsartan se è incinta da più di 3 mesi "
        "o se ha una grave malattia del fegato. Informi il medico se ha problemi ai reni, se assume integratori "
        "di potassio o diuretici risparmiatori di potassio, o se ha avuto vomito o diarrea importanti. Effetti "
        "indesiderati comuni sono capogiri, pressione bassa e alterazioni della funzione renale.",
        [
            ("A quale classe di medicinali appartiene?", "antagonisti del recettore dell'angiotensina II"),
            ("Da quale età si può usare nei bambini con pressione alta?", "dai 6 anni"),
        ],
    ),
    (
        "colecalciferolo",
        "Colecalciferolo 10.000 UI/ml gocce orali contiene vitamina D3. Si usa per prevenire e trattare la "
        "carenza di vitamina D, per esempio negli anziani e nelle persone che si espongono poco al sole, e "
        "insieme ad altri medicinali nel trattamento dell'osteoporosi. La dose è stabilita dal medico in base "
        "al livello di vitamina D nel sangue; le gocce si possono diluire in un po' d'acqua o di latte. Non "
        "superi la dose prescritta: un eccesso di vitamina D aumenta il calcio nel sangue e può causare nausea, "
        "vomito, stitichezza, sete intensa e calcoli renali.",
        [
            ("In che cosa si possono diluire le gocce?", "in un po' d'acqua o di latte"),
            ("Quale vitamina contiene il medicinale?", "vitamina D3"),
        ],
    ),
]

QA_TRAIN_DRUGS = (
    "naprossene",
    "pantoprazolo",
    "ciprofloxacina",
    "furosemide",
    "enalapril",
    "simvastatina",
    "loratadina",
    "aciclovir",
    "fluconazolo",
    "allopurinolo",
)
