"""Function words of the languages most common on the web.

A line of real prose is about 40-50% function words in any of these languages; menus,
headline lists, prices and product grids have few.  Unlike English-only cues (Title Case)
this share works across languages.  The lists are the most frequent function words of each
language (articles, pronouns, prepositions, conjunctions, auxiliaries), written from common
knowledge of the languages, lower-cased; a word in several languages is simply in several
lists.
"""

from __future__ import annotations

_LISTS = {
    "en": "a an the and or but if of to in on at by for with from as is are was were be been being have has had do "
    "does did not no it its this that these those he she they we you i me him her them us his their our your my "
    "which who whom what when where why how there here than then so also into over after before about between "
    "through during without within would could should will can may might must shall just only very more most "
    "such other some any all each both because while until up out down off again further once",
    "de": "der die das den dem des ein eine einer eines einem einen und oder aber wenn als wie zu zum zur in im an am "
    "auf aus bei mit nach von vor für über unter durch gegen ohne um ist sind war waren sein hat haben hatte "
    "wird werden wurde wurden kann können muss nicht kein keine es er sie wir ihr ich du sich auch noch nur schon "
    "so dass daß was wer wo denn doch man dieser diese dieses jeder alle mehr sehr",
    "fr": "le la les un une des du de et ou mais si à au aux en dans sur sous par pour avec sans chez est sont était "
    "être avoir a ont avait il elle ils elles nous vous je tu on ce cette ces qui que quoi dont où ne pas plus "
    "très aussi comme leur leurs son sa ses mon ma mes notre votre se lui y",
    "es": "el la los las un una unos unas y o pero si de del a al en por para con sin sobre entre es son era fue ser "
    "estar está están ha han había que quien cual como cuando donde no más muy también ya se su sus lo le les "
    "nos este esta estos estas ese esa yo tu él ella ellos nosotros",
    "it": "il lo la i gli le un uno una e o ma se di del della dei delle a al alla in nel nella su sul per con tra "
    "fra da è sono era essere ha hanno aveva che chi come quando dove non più molto anche si suo sua suoi loro "
    "questo questa quello quella io tu lui lei noi voi",
    "pt": "o a os as um uma uns umas e ou mas se de do da dos das em no na nos nas por para com sem sobre entre é são "
    "era foi ser estar está estão tem têm que quem como quando onde não mais muito também já seu sua seus suas "
    "ele ela eles elas nós você este esta isso",
    "nl": "de het een en of maar als van te in op aan bij met voor door over naar uit om is zijn was waren wordt "
    "worden werd heeft hebben had dat die dit deze wat wie waar hoe niet geen ook nog al er hij zij wij jij ik "
    "je ze we zich",
    "sv": "och i att det som en på är av för med till den har de inte om ett han men var jag sig från vi så kan man "
    "när år säger hon under också efter eller nu sina där vid",
    "pl": "i w z na do się że nie to jest o jak a od po za przez dla ale czy tak jego jej ich są był była było być "
    "oraz który która które tym te ten ta",
    "ru": "и в во не что он на я с со как а то все она так его но да ты к у же вы за бы по только ее мне было вот от "
    "меня еще нет о из ему теперь когда даже ну ли если уже или ни быть был него до вас нибудь опять уж вам ведь "
    "там потом себя ничего ей может они тут где есть надо ней для мы тебя их чем была сам чтоб без будто чего раз "
    "тоже себе под будет это этот эта эти",
    "id": "yang dan di ke dari ini itu dengan untuk pada adalah dalam tidak akan juga oleh sebagai atau karena ada "
    "mereka kami kita saya anda",
    "tr": "ve bir bu da de ile için ama gibi daha çok en ne o şu ki mi olarak olan var yok",
    "cs": "a v se na je že s z do to i o k ve by jak ale pro za od po jsou byl bylo byla být které který která "
    "jeho její jejich tak už ještě jen také nebo když než aby při",
    "sk": "a v sa na je že s z do to i o k vo by ako ale pre za od po sú bol bolo bola byť ktoré ktorý ktorá "
    "jeho jej ich tak už ešte len aj alebo keď",
    "sl": "in v je na da se z s za so ki pa tudi bi bo ne to ali kot po od do iz pri",
    "hr": "i u je na da se s sa za su koji koja koje što bi biti ne to ili kao po od do iz pri ali",
    "da": "og i at det en den til er som på de med han af for ikke der var mig sig men et har om vi min havde "
    "ham hun nu over da fra du ud sin dem os op man hans hvor eller hvad skal selv her alle vil blev kunne",
    "no": "og i jeg det at en et den til er som på de med han av ikke der så var meg seg men ett har om vi min "
    "mitt ha hadde hun nå over da ved fra du ut sin dem oss opp man kan hans hvor eller hva skal",
    "is": "og í að á er sem það til við um en var ekki með af fyrir hann hún þeir hafa eru verður frá eða",
    "fi": "ja on ei se että oli hän ovat mutta kun niin myös joka tai mitä kuin sen ole olla vain jo",
    "et": "ja on ei see et oli ta nad aga kui nii ka mis või kes seda olla",
    "hu": "a az és hogy nem is egy van volt de meg ez azt csak mint már el ki még fel ha vagy kell lesz",
    "ro": "și în de la cu pe nu se că o un a din care este sunt pentru mai dar sau lui ei acest această",
    "ca": "el la els les i o de del a al en per amb que és són no es com però més",
    "lt": "ir į yra kad su iš ar tai bet kaip buvo po",
    "lv": "un ir ka no uz ar par kas bet to tas vai",
    "uk": "і й та в у на з із до що не як це від за по але для його її їх ми ви він вона вони був була було бути є",
    "bg": "и в на с за да е се от не че по като това са при но или той тя те",
    "el": "και το η ο τα οι του της των σε με για από που δεν να θα είναι ένα μια στο στη στην αλλά ή",
    "vi": "và của là có trong cho được với các những một không này đã để người khi từ",
    "hi": "का की के है में और को से पर यह एक हैं था थी थे भी नहीं कि जो तो ही",
    "ar": "في من على إلى أن عن مع هذا هذه التي الذي كان لا ما أو هو هي",
    "fa": "و در به از که این را با است آن برای یک تا",
    "he": "של את על עם זה לא גם כי אם הוא היא אבל או",
}

STOPWORDS: frozenset[str] = frozenset(word for words in _LISTS.values() for word in words.split())
