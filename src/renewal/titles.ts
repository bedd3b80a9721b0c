/** The row titles of the renewal tables, verbatim from the existing service where it has them. */
import type { InstallationMetric, OnlineRowKind } from './contract.js';

export const METRIC_TITLES: Record<InstallationMetric, { value: string; change: string }> = {
  docsRequested: {
    value: 'Количество запрошенных из БД документов',
    change: '% изменения документов к предыдущему месяцу',
  },
  docsSaved: { value: 'Количество сохранённых документов', change: '% изменения сохранённых документов' },
  docsPrinted: { value: 'Количество распечатанных', change: '% изменения количества распечатанных' },
  refused: {
    value: 'Количество отвергнутых попыток подключения из-за окончания свободных лицензий',
    change: '% Отвергнутых попыток к предыдущему',
  },
  activity: {
    value: 'Активность пользователей - поисковые запросы интеллектуального поиска + открытые документы',
    change: '% изменения активности к предыдущему месяцу',
  },
};

export const ONLINE_TITLES: Record<OnlineRowKind, { remaining: string; used: string }> = {
  docs: { remaining: 'Остаток биллинга документов', used: 'Использовано документов' },
  search: { remaining: 'Остаток поиска', used: 'Использовано поисков' },
  print: { remaining: 'Остаток печати', used: 'Использовано печати' },
  export: { remaining: 'Остаток выгрузки', used: 'Использовано выгрузки' },
};
